"""Models of this context arrive with its first feature."""
