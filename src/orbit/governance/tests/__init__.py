"""The orbit.governance.tests package."""
