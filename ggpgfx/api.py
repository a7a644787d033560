"""The Python authoring API: build the same graph model as YAML, run it, round-trip it to YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ggpgfx.graph.model import EdgeSpec, GraphSpec, NodeSpec, Settings


class PortRef:
    """`node.port` in the authoring API; `a.video >> b.video` connects two ports."""

    def __init__(self, node: NodeRef, port: str) -> None:
        self.node = node
        self.port = port

    def __str__(self) -> str:
        return f"{self.node.id}.{self.port}"

    def __rshift__(self, other: PortRef) -> PortRef:
        self.node.graph.connect(self, other)
        return other


class NodeRef:
    """A node added to a Graph; attribute access gives its ports."""

    def __init__(self, graph: Graph, node_id: str) -> None:
        self.graph = graph
        self.id = node_id

    def __getattr__(self, port: str) -> PortRef:
        if port.startswith("_"):
            raise AttributeError(port)
        return PortRef(self, port)

    def port(self, name: str) -> PortRef:
        """A port by name (for names that clash with Python attributes)."""
        return PortRef(self, name)

    def __str__(self) -> str:
        return self.id


class Graph:
    """A graph under construction: `g.add(type, **params)`, `a.out >> b.inp`, `g.run()`, `g.to_yaml()`."""

    def __init__(self, name: str, description: str = "", **settings: Any) -> None:
        self._spec = GraphSpec(name=name, description=description, settings=Settings(**settings))

    @property
    def spec(self) -> GraphSpec:
        """The graph model (the same one a YAML file loads into)."""
        return self._spec

    def add(self, type_name: str, id: str | None = None, *, resources: dict[str, float] | None = None,
            inputs: dict[str, dict[str, Any]] | None = None, restart: dict[str, Any] | None = None,
            isolate: bool = False, replicas: int = 1, **params: Any) -> NodeRef:
        """Add a node of a registered type; keyword arguments are its params."""
        node_id = id or self._free_id(type_name.split(".")[-1])
        if node_id in self._spec.nodes:
            raise ValueError(f"duplicate node id '{node_id}'")
        spec: dict[str, Any] = {"type": type_name, "params": params, "isolate": isolate, "replicas": replicas}
        if resources:
            spec["resources"] = resources
        if inputs:
            spec["inputs"] = inputs
        if restart:
            spec["restart"] = restart
        self._spec.nodes[node_id] = NodeSpec.model_validate(spec)
        return NodeRef(self, node_id)

    def connect(self, source: PortRef | str, target: PortRef | str, **options: Any) -> None:
        """Connect an output port to an input port; options: capacity, on_full, delay."""
        self._spec.edges.append(EdgeSpec.model_validate({"from": str(source), "to": str(target), **options}))

    def _free_id(self, base: str) -> str:
        if base not in self._spec.nodes:
            return base
        n = 2
        while f"{base}_{n}" in self._spec.nodes:
            n += 1
        return f"{base}_{n}"

    # -- YAML -------------------------------------------------------------------------------------
    def to_yaml(self) -> str:
        """The graph as YAML text (loads back into an equal model)."""
        return yaml.safe_dump(self._spec.to_data(), sort_keys=False, default_flow_style=False, width=100)

    def save(self, path: str | Path) -> None:
        """Write the graph as a YAML file."""
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_spec(cls, spec: GraphSpec) -> Graph:
        """Wrap an existing graph model."""
        graph = cls(spec.name)
        graph._spec = spec
        return graph

    @classmethod
    def from_yaml(cls, text: str, file: str = "<yaml>") -> Graph:
        """Load and validate YAML text."""
        from ggpgfx.errors import GraphError
        from ggpgfx.graph.validate import resolve_text

        resolved, diagnostics = resolve_text(text, file)
        if resolved is None:
            raise GraphError(diagnostics)
        return cls.from_spec(resolved.spec)

    @classmethod
    def load(cls, path: str | Path) -> Graph:
        """Load and validate a YAML file."""
        from ggpgfx.graph.load import read_graph_text

        return cls.from_yaml(read_graph_text(path), str(path))

    # -- running ----------------------------------------------------------------------------------
    def validate(self) -> Any:
        """Validate; returns the ResolvedGraph or raises GraphError with every problem."""
        from ggpgfx.graph.validate import resolve_spec

        return resolve_spec(self._spec)

    def run(self, executor: str = "local", *, raise_on_error: bool = True, **options: Any) -> Any:
        """Run to the end; options are RunOptions fields (realtime, max_frames, duration_s, ...)."""
        from ggpgfx.runtime.run import run_graph

        result = run_graph(self.validate(), executor=executor, **options)
        if raise_on_error and result.error is not None:
            raise result.error
        return result
