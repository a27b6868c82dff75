"""streams feature."""
