"""The orbit.results.tests package."""
