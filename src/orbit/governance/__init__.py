"""The orbit.governance package."""
