"""The orbit.results.management package."""
