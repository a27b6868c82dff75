"""reactions feature."""
