"""talks feature."""
