"""Built-in encode nodes."""
