"""Tests of Orbit as a whole: the orbit command, settings, backups, tampering, stress and access."""
