"""The orbit.governance.migrations package."""
