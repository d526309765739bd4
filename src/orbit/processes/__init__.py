"""The orbit.processes package."""
