"""The orbit.organisation.management package."""
