"""The orbit.interop.migrations package."""
