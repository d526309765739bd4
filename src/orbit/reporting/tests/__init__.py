"""Tests of the reporting context."""
