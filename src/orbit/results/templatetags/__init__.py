"""The orbit.results.templatetags package."""
