"""Built-in render nodes."""
