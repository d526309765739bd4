"""The orbit.reporting.migrations package."""
