"""The orbit.results.migrations package."""
