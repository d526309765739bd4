"""Orbit: results-based management and digital transformation."""

__version__ = "0.1.0"
