"""The graph model: node API, port types, graph files, validation, authoring API."""
