"""Built-in utility nodes."""
