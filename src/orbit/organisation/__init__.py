"""The orbit.organisation package."""
