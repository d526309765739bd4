"""The orbit.processes.migrations package."""
