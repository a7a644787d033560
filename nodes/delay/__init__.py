"""Built-in delay nodes."""
