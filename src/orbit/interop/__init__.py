"""The orbit.interop package."""
