"""The orbit.results package."""
