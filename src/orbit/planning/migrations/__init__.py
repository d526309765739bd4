"""The orbit.planning.migrations package."""
