"""The orbit.governance.api package."""
