"""Built-in sink nodes."""
