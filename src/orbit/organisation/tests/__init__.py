"""The orbit.organisation.tests package."""
