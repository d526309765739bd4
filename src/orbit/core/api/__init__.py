"""The orbit.core.api package."""
