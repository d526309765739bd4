"""The orbit.organisation.migrations package."""
