"""Built-in publish nodes."""
