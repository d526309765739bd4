"""The orbit.core.templatetags package."""
