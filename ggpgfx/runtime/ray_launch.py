"""What the Ray executor hands to and collects from fragment actors: the graph, setups, merged stats."""

from __future__ import annotations

import logging
import sys
from typing import Any

from ggpgfx.config import ggp_home
from ggpgfx.graph.validate import ResolvedGraph
from ggpgfx.runtime.local import RunOptions
from ggpgfx.runtime.planner import Fragment, Plan
from ggpgfx.runtime.ray_fragment import FragmentSetup

log = logging.getLogger("ggpgfx.run")


def pickle_graph(graph: ResolvedGraph) -> bytes:
    """The resolved graph for the actors; node classes from modules workers cannot import travel by value."""
    from ray import cloudpickle

    for node in graph.nodes.values():
        module = sys.modules.get(node.cls.__module__)
        if module is not None and not node.cls.__module__.startswith("ggpgfx."):
            cloudpickle.register_pickle_by_value(module)
    return bytes(cloudpickle.dumps(graph))


def fragment_setup(graph: ResolvedGraph, plan: Plan, frag: Fragment, blob: bytes, options: RunOptions,
                   run_id: str, namespace: str, transport: str, window: int,
                   taps: dict[str, list[str]] | None = None, mirrors: dict[str, tuple[str, str]] | None = None,
                   home: str | None = None) -> FragmentSetup:
    """Routes, replay and producer counts of one fragment's cross-fragment edges."""
    routes: dict[int, list[str]] = {}
    retain: dict[int, bool] = {}
    producers: dict[int, int] = {}
    for edge in graph.edges:
        consumers = plan.fragments_of(edge.dst)
        sources = plan.fragments_of(edge.src)
        if edge.src in frag.node_ids and frag.name not in {c.name for c in consumers}:
            routes[edge.index] = [c.name for c in consumers]
            # Lossless edges keep what is not yet safe: uncommitted by a restartable consumer, or
            # unacknowledged when this fragment itself may restart (its checkpoint then holds them).
            retain[edge.index] = edge.on_full == "block" and (
                frag.max_restarts > 0 or any(c.max_restarts > 0 for c in consumers))
        if edge.dst in frag.node_ids and frag.name not in {s.name for s in sources}:
            producers[edge.index] = len(sources)
    run_options = {k: getattr(options, k) for k in ("realtime", "max_frames", "duration_s", "metric_labels")}
    return FragmentSetup(blob, frag, routes, retain, producers, run_id, namespace, run_options,
                         home or str(ggp_home()), transport, window, f"ggp_{run_id}",
                         {nid: ports for nid, ports in (taps or {}).items() if nid in frag.node_ids},
                         {nid: target for nid, (_, target) in (mirrors or {}).items() if nid in frag.node_ids})


def announce(graph: str, namespace: str, dashboard: str | None) -> None:
    """Say where to watch the run: the dashboard, or at least the Prometheus endpoint."""
    if dashboard:
        log.info("Ray dashboard: %s (actors ggp/%s/*, namespace %s)", dashboard, graph, namespace)
        return
    try:
        import ray

        node: Any = ray._private.worker.global_worker.node
        metrics = f"http://{node.node_ip_address}:{node.metrics_export_port}/metrics"
    except Exception:
        metrics = "the Ray metrics agent"
    log.info("Ray dashboard: off for this embedded cluster (GGP_RAY_DASHBOARD=1 turns it on); "
             "node metrics (ggp_node_*) at %s", metrics)


def merge_stats(parts: dict[str, dict[str, Any]], graph: ResolvedGraph, plan: Plan | None,
                restarts: dict[str, int], hops: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One stats table from every fragment's: replicas summed, restarts added, hop latencies kept apart."""
    merged: dict[str, dict[str, Any]] = {}
    for part in parts.values():
        hops.update(part.get("_hops", {}))
        for nid, s in part.items():
            if nid == "_hops":
                continue
            if nid in merged:
                into = merged[nid]
                for key in ("messages_in", "messages_out", "drops", "errors", "fps_out"):
                    into[key] += s[key]
                for hist in ("process_us", "queue_wait_us", "latency_us"):  # replicas: one histogram
                    a, b = into.get(hist), s.get(hist)
                    if a and b and "buckets" in a and "buckets" in b:
                        into[hist] = {**a, "count": a["count"] + b["count"], "sum": a["sum"] + b["sum"],
                                      "buckets": [x + y for x, y in zip(a["buckets"], b["buckets"], strict=True)]}
                if s.get("reported"):  # counters add up; gauges of replicas add up too (bitrate, buffer)
                    reported = dict(into.get("reported", {}))
                    for key, value in s["reported"].items():
                        reported[key] = reported.get(key, 0.0) + value
                    into["reported"] = reported
            else:
                merged[nid] = dict(s)
    for nid in merged:
        frags = plan.fragments_of(nid) if plan else []
        merged[nid]["restarts"] = sum(restarts.get(f.name, 0) for f in frags)
    return {nid: merged[nid] for nid in graph.nodes if nid in merged}
