"""The orbit.results.api package."""
