"""The orbit.reporting.management package."""
