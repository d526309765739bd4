"""The orbit.planning.tests package."""
