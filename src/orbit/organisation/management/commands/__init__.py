"""The orbit.organisation.management.commands package."""
