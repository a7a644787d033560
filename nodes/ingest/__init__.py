"""Built-in ingest nodes."""
