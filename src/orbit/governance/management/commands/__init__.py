"""The orbit.governance.management.commands package."""
