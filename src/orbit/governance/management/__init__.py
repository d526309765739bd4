"""The orbit.governance.management package."""
