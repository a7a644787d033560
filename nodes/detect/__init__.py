"""Built-in detect nodes."""
