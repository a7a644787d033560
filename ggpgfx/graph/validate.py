"""Validation: every problem of a graph at once, then the resolved graph the executors run."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ggpgfx.graph.load import Diagnostic, PathKey, SourceMap, parse_yaml
from ggpgfx.graph.model import NODE_ID, EdgeSpec, GraphSpec, InputOptions, NodeSpec, Settings
from ggpgfx.graph.node import Node, Port
from ggpgfx.graph.ports import VideoCaps, compatible, negotiates_caps, type_label
from ggpgfx.graph.registry import broken_modules, builtin_index, get_node_type, load_all

TOP_KEYS = ("name", "description", "settings", "nodes", "edges")


@dataclass
class ResolvedNode:
    """A node with its class, validated params and effective input options."""

    id: str
    spec: NodeSpec
    cls: type[Node]
    params: BaseModel
    input_options: dict[str, InputOptions] = field(default_factory=dict)

    def policy(self, port: str) -> str:
        """Effective policy of an input port."""
        override = self.input_options.get(port)
        return (override.policy if override and override.policy else None) or self.cls.inputs[port].policy


@dataclass
class ResolvedEdge:
    """An edge with effective capacity and full policy."""

    index: int
    spec: EdgeSpec
    capacity: int
    on_full: str

    @property
    def src(self) -> str:
        """Producer node id."""
        return self.spec.src_node

    @property
    def dst(self) -> str:
        """Consumer node id."""
        return self.spec.dst_node

    @property
    def label(self) -> str:
        """'a.port -> b.port'."""
        return f"{self.spec.source} -> {self.spec.target}"


@dataclass
class ResolvedGraph:
    """A validated graph, ready for an executor."""

    spec: GraphSpec
    file: str
    nodes: dict[str, ResolvedNode]
    edges: list[ResolvedEdge]
    caps: dict[tuple[str, str], VideoCaps] = field(default_factory=dict)
    #: The run policy the graph was checked against (ggpgfx.policy.RunPolicy); nodes re-check URLs with it.
    policy: Any = None

    @property
    def name(self) -> str:
        """Graph name."""
        return self.spec.name

    def edges_into(self, node_id: str) -> list[ResolvedEdge]:
        """Edges whose consumer is this node."""
        return [e for e in self.edges if e.dst == node_id]

    def edges_from(self, node_id: str) -> list[ResolvedEdge]:
        """Edges whose producer is this node."""
        return [e for e in self.edges if e.src == node_id]


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _pydantic_problems(exc: ValidationError) -> list[tuple[tuple[Any, ...], str, str, Any]]:
    return [(tuple(e["loc"]), e["type"], e["msg"], e.get("input")) for e in exc.errors()]


class _Validator:
    def __init__(self, data: Any, smap: SourceMap) -> None:
        self.data = data
        self.smap = smap
        self.diags: list[Diagnostic] = []
        self.nodes: dict[str, ResolvedNode] = {}
        self.classes: dict[str, type[Node]] = {}  # every node whose type resolved, even with bad params
        self.edges: list[ResolvedEdge] = []
        self.bad_edges = 0

    def error(self, path: PathKey, message: str, **kw: Any) -> None:
        self.diags.append(self.smap.diag(path, message, **kw))

    def run(self) -> ResolvedGraph | None:
        data = self.data
        if not isinstance(data, dict):
            self.error((), "a graph file must be a mapping with 'name', 'nodes' and 'edges'")
            return None
        for path, where, first in self.smap.duplicates:
            if len(path) == 2 and path[0] == "nodes":
                self.diags.append(Diagnostic(f"duplicate node id '{path[1]}'", self.smap.file, *where,
                                             hint=f"ids must be unique; first defined at line {first[0]}",
                                             node=str(path[1])))
            else:
                dotted = ".".join(str(p) for p in path)
                self.diags.append(Diagnostic(f"duplicate key '{dotted}'", self.smap.file, *where,
                                             hint=f"first defined at line {first[0]}"))
        for key in data:
            if key not in TOP_KEYS:
                self.error((key,), f"unknown key '{key}'{_suggest(str(key), list(TOP_KEYS))}", key=True)
        name = data.get("name")
        if name is None:
            self.error((), "missing required key 'name'", hint="add `name: my-graph` at the top")
        elif not isinstance(name, str) or not name.strip():
            self.error(("name",), "'name' must be a non-empty string")
        settings = self._settings(data.get("settings"))
        nodes_data = data.get("nodes")
        if nodes_data is None:
            self.error((), "missing required key 'nodes'")
            nodes_data = {}
        elif not isinstance(nodes_data, dict):
            self.error(("nodes",), "'nodes' must be a mapping of node id to node")
            nodes_data = {}
        specs: dict[str, NodeSpec] = {}
        for node_id, node_data in nodes_data.items():
            node_spec = self._node(str(node_id), node_data, settings)
            if node_spec is not None:
                specs[str(node_id)] = node_spec
        edges_data = data.get("edges", [])
        if not isinstance(edges_data, list):
            self.error(("edges",), "'edges' must be a list of 'node.port -> node.port'")
            edges_data = []
        edge_specs = [e for i, raw in enumerate(edges_data) if (e := self._edge(i, raw, settings)) is not None]
        self._unconnected_inputs()
        self._cycles()
        self._graph_problems()
        caps = self._caps()
        if self.diags or not isinstance(name, str):
            return None
        graph_spec = GraphSpec(name=name, description=str(data.get("description", "")), settings=settings,
                               nodes=specs, edges=edge_specs)
        return ResolvedGraph(graph_spec, self.smap.file, self.nodes, self.edges, caps)

    def _settings(self, raw: Any) -> Settings:
        if raw is None:
            return Settings()
        try:
            return Settings.model_validate(raw)
        except ValidationError as exc:
            for loc, kind, msg, _ in _pydantic_problems(exc):
                path = ("settings", *loc)
                if kind == "extra_forbidden":
                    self.error(path, f"unknown setting '{loc[-1]}'"
                               f"{_suggest(str(loc[-1]), list(Settings.model_fields))}", key=True)
                else:
                    self.error(path, f"settings.{'.'.join(map(str, loc))}: {msg}")
            return Settings()

    def _node(self, node_id: str, raw: Any, settings: Settings) -> NodeSpec | None:
        base = ("nodes", node_id)
        ok = True
        if "." in node_id:
            self.error(base, f"node id '{node_id}' must not contain dots (dots address ports)", key=True,
                       hint=f"rename it to '{node_id.replace('.', '_')}'", node=node_id)
            ok = False
        elif not NODE_ID.match(node_id):
            self.error(base, f"node id '{node_id}' must start with a letter and use letters, digits, '_' or '-'",
                       key=True, node=node_id)
            ok = False
        if not isinstance(raw, dict):
            self.error(base, f"node '{node_id}' must be a mapping with at least 'type'", node=node_id)
            return None
        try:
            spec = NodeSpec.model_validate(raw)
        except ValidationError as exc:
            for loc, kind, msg, _ in _pydantic_problems(exc):
                path = (*base, *loc)
                if kind == "missing":
                    self.error(base, f"node '{node_id}': missing required key '{loc[-1]}'", key=True, node=node_id)
                elif kind == "extra_forbidden":
                    self.error(path, f"node '{node_id}': unknown key '{loc[-1]}'"
                               f"{_suggest(str(loc[-1]), list(NodeSpec.model_fields))}", key=True, node=node_id)
                else:
                    self.error(path, f"node '{node_id}': {'.'.join(map(str, loc))}: {msg}", node=node_id)
            return None
        cls = get_node_type(spec.type)
        if cls is None:
            types = load_all()
            module = builtin_index().get(spec.type, "ggpgfx.nodes." + spec.type)
            broken = broken_modules(load=False).get(module)
            if broken:
                self.error((*base, "type"), f"node '{node_id}': node type '{spec.type}' could not be loaded ({broken})",
                           hint="install the extra it needs, e.g. pip install 'ggpgfx[all]'", node=node_id)
            else:
                self.error((*base, "type"), f"node '{node_id}': unknown node type '{spec.type}'"
                           f"{_suggest(spec.type, sorted(types))}", hint="`ggp nodes` lists every type", node=node_id)
            return spec
        self.classes[node_id] = cls
        params = self._params(node_id, cls, spec.params)
        for port in spec.inputs:
            if port not in cls.inputs:
                self.error((*base, "inputs", port), f"node '{node_id}': {spec.type} has no input port '{port}'"
                           f"{_suggest(port, list(cls.inputs))}", key=True, node=node_id, port=port)
        if params is not None and ok:
            self.nodes[node_id] = ResolvedNode(node_id, spec, cls, params, dict(spec.inputs))
        return spec

    def _params(self, node_id: str, cls: type[Node], raw: dict[str, Any]) -> BaseModel | None:
        base = ("nodes", node_id, "params")
        fields = cls.Params.model_fields
        bad = False
        for key in raw:
            if key not in fields:
                self.error((*base, key), f"node '{node_id}': unknown param '{key}' for {cls.type_name}"
                           f"{_suggest(str(key), list(fields))}",
                           hint=f"params: {', '.join(fields) or '(none)'}", key=True, node=node_id)
                bad = True
        try:
            params = cls.Params.model_validate({k: v for k, v in raw.items() if k in fields})
        except ValidationError as exc:
            for loc, kind, msg, value in _pydantic_problems(exc):
                name = str(loc[0]) if loc else "?"
                if kind == "missing":
                    ann = fields[name].annotation if name in fields else None
                    self.error(("nodes", node_id), f"node '{node_id}': missing required param '{name}' "
                               f"({type_label(ann)}) for {cls.type_name}", key=True, node=node_id)
                else:
                    where = ".".join(map(str, loc))
                    self.error((*base, *loc), f"node '{node_id}': param '{where}' = {value!r}: {msg}", node=node_id)
            return None
        return None if bad else params

    def _edge(self, index: int, raw: Any, settings: Settings) -> EdgeSpec | None:
        path = ("edges", index)
        try:
            spec = EdgeSpec.model_validate(raw)
        except ValidationError as exc:
            self.bad_edges += 1
            for loc, _kind, msg, _ in _pydantic_problems(exc):
                text = msg.removeprefix("Value error, ")
                field = f"{'.'.join(map(str, loc))}: " if loc else ""
                self.error((*path, *loc), f"edge {index + 1}: {field}{text}",
                           hint="write edges as 'node.port -> node.port' or {from: node.port, to: node.port}")
            return None
        label = f"edge '{spec.source} -> {spec.target}'"
        src = self._endpoint(path, label, spec.src_node, spec.src_port, output=True)
        dst = self._endpoint(path, label, spec.dst_node, spec.dst_port, output=False)
        if src and dst:
            produced, accepted = src.type, dst.type
            if not compatible(produced, accepted):
                self.error(path, f"{label}: type mismatch: {spec.source} produces {type_label(produced)} "
                           f"but {spec.target} expects {type_label(accepted)}", node=spec.dst_node, port=spec.dst_port)
        dst_node = self.nodes.get(spec.dst_node)
        opts = dst_node.input_options.get(spec.dst_port) if dst_node else None
        capacity = spec.capacity or (opts.capacity if opts and opts.capacity else None) or settings.queue_capacity
        on_full = spec.on_full or (opts.on_full if opts and opts.on_full else None) or settings.on_full
        dst_cls = self.classes.get(spec.dst_node)
        if dst_cls is not None and spec.dst_port in dst_cls.inputs:
            policy = (opts.policy if opts and opts.policy else None) or dst_cls.inputs[spec.dst_port].policy
            if policy == "latest":
                on_full = "drop_oldest"  # only the newest value of a `latest` input matters: never block for it
        self.edges.append(ResolvedEdge(index, spec, capacity, on_full))
        return spec

    def _endpoint(self, path: PathKey, label: str, node_id: str, port: str, *, output: bool) -> Port | None:
        cls = self.classes.get(node_id)
        if cls is None:
            declared = self.data.get("nodes")
            declared = declared if isinstance(declared, dict) else {}  # 'nodes' itself was reported if not a mapping
            if node_id not in declared:
                self.error(path, f"{label}: unknown node '{node_id}'"
                           f"{_suggest(node_id, [str(k) for k in declared])}", node=node_id)
            return None
        ports = cls.outputs if output else cls.inputs
        kind = "output" if output else "input"
        if port not in ports:
            self.error(path, f"{label}: node '{node_id}' ({cls.type_name}) has no {kind} port '{port}'"
                       f"{_suggest(port, list(ports))}", hint=f"{kind}s: {', '.join(ports) or '(none)'}",
                       node=node_id, port=port)
            return None
        return ports[port]

    def _unconnected_inputs(self) -> None:
        if self.bad_edges:
            return  # an unreadable edge may be the missing connection: do not guess
        connected = {(e.dst, e.spec.dst_port) for e in self.edges}
        for node_id, cls in self.classes.items():
            for port, decl in cls.inputs.items():
                if decl.required and (node_id, port) not in connected:
                    self.error(("nodes", node_id), f"node '{node_id}': required input '{port}' "
                               f"({type_label(decl.type)}) is not connected", key=True, node=node_id, port=port,
                               hint=f"add an edge 'SOURCE.PORT -> {node_id}.{port}'")

    def _graph_problems(self) -> None:
        """Each node's own check of its params against the node types its outputs reach downstream."""
        after: dict[str, set[str]] = {}
        for e in self.edges:
            after.setdefault(e.src, set()).add(e.dst)
        for node_id, node in self.nodes.items():
            reached: set[str] = set()
            todo = list(after.get(node_id, ()))
            while todo:
                nid = todo.pop()
                if nid not in reached:
                    reached.add(nid)
                    todo.extend(after.get(nid, ()))
            types = {self.nodes[n].cls.type_name for n in reached if n in self.nodes}
            for problem in node.cls.graph_problems(node.params, types):
                self.error(("nodes", node_id), f"node '{node_id}': {problem}", key=True, node=node_id)

    def _cycles(self) -> None:
        graph: dict[str, list[ResolvedEdge]] = {}
        for e in self.edges:
            if not e.spec.delay:
                graph.setdefault(e.src, []).append(e)
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(n: str) -> bool:
            state[n] = 1
            stack.append(n)
            for e in graph.get(n, []):
                if state.get(e.dst) == 1:
                    cycle = stack[stack.index(e.dst):] + [e.dst]
                    self.error(("edges", e.index), "cycle without a delay: " + " -> ".join(cycle),
                               hint="mark one edge of the cycle with `delay: true`")
                    return True
                if state.get(e.dst) is None and visit(e.dst):
                    return True
            stack.pop()
            state[n] = 2
            return False

        for n in list(self.nodes):
            if state.get(n) is None and visit(n):
                return

    def _caps(self) -> dict[tuple[str, str], VideoCaps]:
        caps: dict[tuple[str, str], VideoCaps] = {}
        if any("cycle without a delay" in d.message for d in self.diags):
            return caps
        for node_id in topological_order(self.nodes, self.edges):
            node = self.nodes[node_id]
            upstream: dict[str, VideoCaps] = {}
            for e in self.edges:
                if e.dst != node_id or (e.src, e.spec.src_port) not in caps:
                    continue
                produced = caps[(e.src, e.spec.src_port)]
                decl = node.cls.inputs.get(e.spec.dst_port)
                if decl is None or not negotiates_caps(decl.type):
                    continue
                if decl.caps and (why := decl.caps.mismatch(produced)):
                    self.error(("edges", e.index), f"edge '{e.label}': caps mismatch: {e.spec.source} produces "
                               f"{produced.describe()} but {e.spec.target} needs {decl.caps.describe()}: {why}",
                               hint="convert or scale the video between them", node=e.dst, port=e.spec.dst_port)
                upstream[e.spec.dst_port] = produced
            try:
                out = node.cls.negotiate(node.params, upstream)
            except Exception as exc:  # a node's negotiate refusing the caps it is given
                self.error(("nodes", node_id), f"node '{node_id}': {exc}", key=True, node=node_id)
                continue
            for port, value in out.items():
                caps[(node_id, port)] = value
        return caps


def topological_order(nodes: dict[str, Any], edges: list[ResolvedEdge]) -> list[str]:
    """Node ids so that producers come before consumers (delay edges ignored)."""
    indegree = {n: 0 for n in nodes}
    for e in edges:
        if not e.spec.delay and e.dst in indegree and e.src in indegree:
            indegree[e.dst] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    order: list[str] = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for e in edges:
            if e.src == n and not e.spec.delay and e.dst in indegree:
                indegree[e.dst] -= 1
                if indegree[e.dst] == 0:
                    ready.append(e.dst)
    return order + [n for n in nodes if n not in order]


def resolve_data(data: Any, smap: SourceMap) -> tuple[ResolvedGraph | None, list[Diagnostic]]:
    """Validate already-parsed graph data."""
    validator = _Validator(data, smap)
    resolved = validator.run()
    diags = sorted(validator.diags, key=lambda d: (d.line, d.col))
    return (None if diags else resolved), diags


def resolve_text(text: str, file: str = "graph.yaml") -> tuple[ResolvedGraph | None, list[Diagnostic]]:
    """Parse and validate YAML text: the resolved graph, or None and every problem."""
    data, smap, diags = parse_yaml(text, file)
    if diags:
        return None, diags
    return resolve_data(data, smap)


def resolve_spec(spec: GraphSpec, file: str = "<python>") -> ResolvedGraph:
    """Validate a GraphSpec built in Python; raises GraphError with every problem."""
    from ggpgfx.errors import GraphError

    resolved, diags = resolve_data(spec.to_data(), SourceMap(file))
    if diags or resolved is None:
        raise GraphError(diags)
    return resolved
