"""The orbit.core.tests package."""
