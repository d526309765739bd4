"""The orbit.results.management.commands package."""
