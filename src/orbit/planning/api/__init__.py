"""The orbit.planning.api package."""
