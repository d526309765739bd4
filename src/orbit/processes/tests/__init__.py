"""The orbit.processes.tests package."""
