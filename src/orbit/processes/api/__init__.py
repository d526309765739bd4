"""The orbit.processes.api package."""
