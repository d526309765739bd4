"""The orbit.core package."""
