"""The orbit.organisation.api package."""
