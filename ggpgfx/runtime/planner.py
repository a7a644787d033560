"""The planner: cuts a graph into fragments (nodes sharing one Ray actor) and checks the cluster can host them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from ggpgfx.errors import ConfigError
from ggpgfx.graph.validate import ResolvedEdge, ResolvedGraph, ResolvedNode, topological_order
from ggpgfx.runtime import devices
from ggpgfx.runtime.ray_cluster import ClusterView, RayNodeInfo

Split = Literal["auto", "node"]

#: CPU share of a fragment whose nodes ask for none: enough for Ray to count it, never enough to block.
MIN_CPU = 0.05


@dataclass
class NodeRequest:
    """What one node asks for: its type's declared resources overridden by the graph file's."""

    cpu: float = 0.0
    gpu: float = 0.0
    memory_mb: int = 0
    custom: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, node: ResolvedNode, placement: devices.Placement | None = None) -> NodeRequest:
        """Merge the node class's `resources` with the YAML `resources:` mapping; a node whose `device`
        resolved to CUDA asks for a GPU share (`devices.gpu_request`)."""
        merged: dict[str, Any] = {**node.cls.resources.model_dump(), **node.spec.resources}
        cpu = float(merged.pop("cpu", 0.0) or 0.0)
        gpu = float(merged.pop("gpu", 0.0) or 0.0)
        if placement is not None:
            gpu = devices.gpu_request(placement, gpu)
        memory = int(merged.pop("memory_mb", 0) or 0)
        return cls(cpu, gpu, memory, {k: float(v) for k, v in merged.items() if v})


@dataclass
class Fragment:
    """Nodes that share one actor process and hand messages over in memory."""

    name: str
    node_ids: list[str]
    kind: str  # main, gpu, pinned, isolated, replica, node
    requested_cpu: float = 0.0
    cpu: float = MIN_CPU  # what the actor asks Ray for (scaled so the whole graph fits)
    gpu: float = 0.0
    memory_mb: int = 0
    custom: dict[str, float] = field(default_factory=dict)
    max_restarts: int = 0
    backoff_s: float = 1.0
    snapshot_interval_s: float = 0.0
    replica_of: str | None = None
    replica_index: int = 0
    replicas: int = 1
    target: str = "any node"
    target_node_id: str | None = None

    def resources_text(self) -> str:
        """'cpu 0.5, gpu 1, rfid_reader 1'."""
        parts = [f"cpu {self.cpu:g}" + (f" (asked {self.requested_cpu:g})" if self.requested_cpu != self.cpu else "")]
        if self.gpu:
            parts.append(f"gpu {self.gpu:g}")
        if self.memory_mb:
            parts.append(f"memory {self.memory_mb} MB")
        parts += [f"{k} {v:g}" for k, v in sorted(self.custom.items())]
        return ", ".join(parts)


@dataclass
class Plan:
    """Fragments of a graph, where each would run, and why a cluster cannot host it (if so)."""

    graph: ResolvedGraph
    fragments: list[Fragment]
    cluster: ClusterView
    problems: list[str] = field(default_factory=list)
    placements: dict[str, devices.Placement] = field(default_factory=dict)

    def boundaries(self) -> list[devices.Boundary]:
        """CPU<->GPU boundaries inside fragments (consecutive nodes whose frames live on different devices)."""
        return [b for b in devices.boundaries(self.graph, self.placements)
                if {f.name for f in self.fragments_of(b.edge.src)} == {f.name for f in self.fragments_of(b.edge.dst)}]

    def transport(self, edge: ResolvedEdge) -> str:
        """How frames cross a cross-fragment edge: 'pinned-host' out of a CUDA node, else 'host'."""
        placement = self.placements.get(edge.src)
        return devices.cross_fragment_transport(placement.frames if placement else "cpu")

    def fragment(self, name: str) -> Fragment:
        """A fragment by name."""
        return next(f for f in self.fragments if f.name == name)

    def fragments_of(self, node_id: str) -> list[Fragment]:
        """The fragment holding a node (one per replica for replicated nodes)."""
        return [f for f in self.fragments if node_id in f.node_ids]

    def cross_edges(self) -> list[ResolvedEdge]:
        """Edges whose two ends live in different fragments."""
        return [e for e in self.graph.edges
                if {f.name for f in self.fragments_of(e.src)} != {f.name for f in self.fragments_of(e.dst)}
                or len(self.fragments_of(e.src)) > 1]

    def check(self) -> None:
        """Raise ConfigError naming every request the cluster can never satisfy."""
        if self.problems:
            head = f"graph '{self.graph.name}' cannot run on this cluster"
            raise ConfigError(head + ":\n  " + "\n  ".join(self.problems))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (what `ggp plan --json` prints)."""
        return {"graph": self.graph.name, "cluster": [{"node_id": n.node_id, "address": n.address,
                                                       "resources": n.resources} for n in self.cluster.nodes],
                "fragments": [{"name": f.name, "actor": f"ggp/{self.graph.name}/{f.name}", "kind": f.kind,
                               "nodes": f.node_ids, "cpu": f.cpu, "gpu": f.gpu, "custom": f.custom,
                               "max_restarts": f.max_restarts, "target": f.target} for f in self.fragments],
                "cross_edges": [e.label for e in self.cross_edges()], "problems": self.problems,
                "devices": {nid: {"requested": p.requested, "device": p.device, "frames": p.frames,
                                  "fallback": p.reason} for nid, p in self.placements.items()},
                "boundaries": [{"edge": b.edge.label, "kind": b.kind, "from": b.source, "to": b.target}
                               for b in self.boundaries()],
                "cross_transports": {e.label: self.transport(e) for e in self.cross_edges()
                                     if devices.carries_frames(self.graph, e)}}

    def text(self) -> str:
        """The human form printed by `ggp plan`."""
        lines = [f"plan for graph '{self.graph.name}': {len(self.fragments)} fragment(s), "
                 f"{len(self.cross_edges())} cross-fragment edge(s), cluster: {self.cluster.source}"]
        for f in self.fragments:
            lines.append(f"  fragment {f.name} [{f.kind}] actor ggp/{self.graph.name}/{f.name}")
            lines.append(f"    nodes: {', '.join(f.node_ids)}")
            lines.append(f"    resources: {f.resources_text()}"
                         + (f"; restarts up to {f.max_restarts}" if f.max_restarts else ""))
            lines.append(f"    runs on: {f.target}")
            placed = [f"{nid} {self.placements[nid].describe()}" for nid in f.node_ids
                      if nid in self.placements and self.placements[nid].requested is not None]
            if placed:
                lines.append(f"    devices: {', '.join(placed)}")
            for b in self.boundaries():
                if b.edge.src in f.node_ids:
                    lines.append(f"    {b.kind} at {b.text()}")
        for e in self.cross_edges():
            via = f", frames via {self.transport(e)} memory" if self.transport(e) != "host" else ""
            lines.append(f"  cross edge: {e.label} (capacity {e.capacity}, {e.on_full}{via})")
        for problem in self.problems:
            lines.append(f"  error: {problem}")
        return "\n".join(lines)


def _group_name(req: NodeRequest) -> tuple[str, str]:
    if req.custom:
        return ("gpu-" if req.gpu else "") + "+".join(sorted(req.custom)), "pinned"
    return ("gpu", "gpu") if req.gpu else ("main", "main")


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _add(frag: Fragment, node: ResolvedNode, req: NodeRequest) -> None:
    frag.node_ids.append(node.id)
    frag.requested_cpu += req.cpu
    frag.gpu += req.gpu
    frag.memory_mb += req.memory_mb
    for key, value in req.custom.items():  # one reader serves every node of the process: max, not sum
        frag.custom[key] = max(frag.custom.get(key, 0.0), value)
    restart = node.spec.restart
    frag.max_restarts = max(frag.max_restarts, restart.max)
    frag.backoff_s = restart.backoff_s if len(frag.node_ids) == 1 else max(frag.backoff_s, restart.backoff_s)
    if restart.snapshot_interval_s and (not frag.snapshot_interval_s or restart.snapshot_interval_s < frag.snapshot_interval_s):
        frag.snapshot_interval_s = restart.snapshot_interval_s


def cut(graph: ResolvedGraph, split: Split = "auto",
        placements: dict[str, devices.Placement] | None = None) -> list[Fragment]:
    """Fragments of a graph: by resource kind, with isolated and replicated nodes on their own."""
    fragments: dict[str, Fragment] = {}
    taken: set[str] = set()
    groups: dict[str, str] = {}
    for nid in topological_order(graph.nodes, graph.edges):
        node = graph.nodes[nid]
        req = NodeRequest.of(node, (placements or {}).get(nid))
        if node.spec.replicas > 1:
            for i in range(node.spec.replicas):
                name = _unique(f"{nid}-r{i}", taken)
                frag = fragments[name] = Fragment(name, [], "replica", replica_of=nid, replica_index=i,
                                                  replicas=node.spec.replicas)
                _add(frag, node, req)
            continue
        if split == "node" or node.spec.isolate:
            name = _unique(nid, taken)
            fragments[name] = Fragment(name, [], "node" if split == "node" and not node.spec.isolate else "isolated")
            _add(fragments[name], node, req)
            continue
        base, kind = _group_name(req)
        if base not in groups:
            groups[base] = _unique(base, taken)
            fragments[groups[base]] = Fragment(groups[base], [], kind)
        _add(fragments[groups[base]], node, req)
    return list(fragments.values())


def _fits(node: RayNodeInfo, frag: Fragment) -> bool:
    res = node.resources
    if frag.gpu and res.get("GPU", 0.0) < frag.gpu:
        return False
    return all(res.get(key, 0.0) >= value for key, value in frag.custom.items())


def place(graph: ResolvedGraph, fragments: list[Fragment], cluster: ClusterView,
          cpu_budget: float | None = None) -> list[str]:
    """Scale CPU shares to the cluster (or to `cpu_budget` CPUs: one table's part of a show), choose a
    target node per fragment, list impossible requests."""
    problems: list[str] = []
    total_cpu = sum(n.resources.get("CPU", 0.0) for n in cluster.nodes) or 1.0
    if cpu_budget is not None:
        total_cpu = min(total_cpu, max(cpu_budget, MIN_CPU))
    biggest = max((n.resources.get("CPU", 0.0) for n in cluster.nodes), default=1.0) or 1.0
    asked = sum(max(f.requested_cpu, MIN_CPU) for f in fragments)
    # CPU requests are shares, not reservations: a frame pipeline's threads time-share the cores, and a
    # graph whose declared CPUs exceed the machine must still start (Ray would queue it forever).
    scale = min(1.0, 0.9 * total_cpu / asked) if asked else 1.0
    for f in fragments:
        f.cpu = round(min(max(f.requested_cpu * scale, MIN_CPU), biggest * 0.9), 3)
    offered = cluster.resource_names()
    for f in fragments:
        who = f"fragment '{f.name}' (nodes: {', '.join(f.node_ids)})"
        if f.gpu and "GPU" not in offered:
            problems.append(f"{who} needs gpu {f.gpu:g} but no node of the cluster has a GPU")
        for key, value in sorted(f.custom.items()):
            if key not in offered:
                have = ", ".join(sorted(offered)) or "nothing"
                problems.append(f"{who} needs the custom resource '{key}' ({value:g}) but no node offers it "
                                f"(offered: {have})")
        candidates = [n for n in cluster.nodes if _fits(n, f)]
        if not candidates:
            if not any(p.startswith(who) for p in problems):
                problems.append(f"{who} asks for {f.resources_text()} but no single node has that much")
            f.target = "nowhere"
            continue
        if f.gpu or f.custom:
            f.target, f.target_node_id = candidates[0].label(), candidates[0].node_id
        else:
            head = next((n for n in candidates if n.is_head), candidates[0])
            f.target = "any node" + (f" (e.g. {head.label()})" if len(cluster.nodes) > 1 else f": {head.label()}")
    names: set[str] = {k for f in fragments for k in f.custom} | ({"GPU"} if any(f.gpu for f in fragments) else set())
    for name in sorted(names):
        need = sum(f.gpu if name == "GPU" else f.custom.get(name, 0.0) for f in fragments)
        total = sum(n.resources.get(name, 0.0) for n in cluster.nodes)
        if total and need > total + 1e-9:
            problems.append(f"the fragments need {need:g} {name} in total but the cluster offers {total:g}")
    return problems


def make_plan(graph: ResolvedGraph, cluster: ClusterView, split: Split = "auto", *,
              cpu_budget: float | None = None, node_id: str | None = None) -> Plan:
    """Cut and place a graph on a cluster; `node_id` keeps it on one raylet, `cpu_budget` caps its CPU shares
    (a show places many tables on one cluster: `ray_show.py`)."""
    if node_id is not None:
        only = [n for n in cluster.nodes if n.node_id == node_id]
        if not only:
            raise ConfigError(f"Ray node {node_id[:8]} is not an alive node of the cluster")
        cluster = ClusterView(only, cluster.source, cluster.dashboard_url, list(cluster.notes))
    if split not in ("auto", "node"):
        raise ConfigError(f"unknown split mode '{split}'; choose 'auto' or 'node'")
    gpus = int(max((n.resources.get("GPU", 0.0) for n in cluster.nodes), default=0.0))
    placements = devices.place(graph, gpus=gpus)
    fragments = cut(graph, split, placements)
    for frag in fragments:  # Ray takes fractions of one GPU or whole GPUs
        if frag.gpu > 1 and frag.gpu != int(frag.gpu):
            frag.gpu = float(math.ceil(frag.gpu))
    problems = place(graph, fragments, cluster, cpu_budget)
    if node_id is not None:
        for frag in fragments:
            frag.target_node_id = node_id
    return Plan(graph, fragments, cluster, problems, placements)
