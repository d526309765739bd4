"""The orbit.planning package."""
