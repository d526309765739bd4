"""The orbit.interop.tests package."""
