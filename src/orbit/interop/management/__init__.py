"""The orbit.interop.management package."""
