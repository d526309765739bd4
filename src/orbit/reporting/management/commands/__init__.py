"""The orbit.reporting.management.commands package."""
