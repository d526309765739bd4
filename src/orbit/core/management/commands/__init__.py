"""The orbit.core.management.commands package."""
