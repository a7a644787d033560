"""Built-in rules nodes."""
