"""Simplified Chinese number formats."""
