"""The orbit.core.management package."""
