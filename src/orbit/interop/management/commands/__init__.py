"""The orbit.interop.management.commands package."""
