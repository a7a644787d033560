"""Prometheus exposition of graph runs: a collector that turns per-node stats snapshots into metric families.

The collector reads the same stats dictionaries `ggp run` shows and `--stats-json` writes (from the local
executor live, from the Ray executor's last refresh), so both executors expose identical series. Nothing
happens on the frame path: the work is done when Prometheus scrapes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.telemetry.catalog import BY_NAME, BY_NODE_KEY, LATENCY_BUCKETS_S

log = logging.getLogger(__name__)

StatsFn = Callable[[], dict[str, dict[str, Any]]]
_RUNNING_STATES = ("setup", "running", "running (fused)")


@dataclass
class GraphSource:
    """One graph run the collector exposes: its labels and a way to read its per-node stats."""

    graph: str
    stats: StatsFn
    labels: dict[str, str] = field(default_factory=dict)  # organisation, project, stream


def _buckets(summary: dict[str, Any]) -> list[tuple[str, float]] | None:
    """Cumulative (le, count) pairs in seconds from a histogram summary (None when it has no buckets)."""
    counts = summary.get("buckets")
    if not counts or len(counts) != len(LATENCY_BUCKETS_S) + 1:
        return None
    out, running = [], 0
    for bound, count in zip((*LATENCY_BUCKETS_S, float("inf")), counts, strict=True):
        running += count
        out.append(("+Inf" if bound == float("inf") else repr(bound), float(running)))
    return out


class GraphCollector:
    """A prometheus_client collector over any number of graph runs (attach and detach as they start and end)."""

    def __init__(self) -> None:
        self._sources: dict[str, GraphSource] = {}
        self._lock = threading.Lock()

    def attach(self, key: str, source: GraphSource) -> None:
        """Expose a run under a key (a stream id, or the graph name for `ggp run`)."""
        with self._lock:
            self._sources[key] = source

    def detach(self, key: str) -> None:
        """Stop exposing a run."""
        with self._lock:
            self._sources.pop(key, None)

    def describe(self) -> list[Any]:
        """Nothing up front: families depend on the runs attached (prometheus_client then skips the check)."""
        return []

    def collect(self) -> Iterator[Any]:
        """Metric families of every attached run."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        families: dict[str, Any] = {}

        def family(name: str) -> Any:
            if name not in families:
                d = BY_NAME[name]
                cls = {"counter": CounterMetricFamily, "gauge": GaugeMetricFamily,
                       "histogram": HistogramMetricFamily}[d.kind]
                families[name] = cls(d.name, d.help, labels=list(d.labels))
            return families[name]

        with self._lock:
            sources = list(self._sources.values())
        for source in sources:
            try:
                stats = source.stats()
            except Exception:  # a run that is ending must not break the scrape of the others
                log.debug("stats of %s unavailable", source.graph, exc_info=True)
                continue
            for nid, s in stats.items():
                if nid.startswith("_") or not isinstance(s, dict):
                    continue
                values = [source.labels.get("organisation", ""), source.labels.get("project", ""),
                          source.labels.get("stream", ""), source.graph, nid, str(s.get("type", ""))]
                _node_families(family, values, s)
        yield from families.values()


def _node_families(family: Callable[[str], Any], values: list[str], s: dict[str, Any]) -> None:
    family("ggp_node_messages_in").add_metric(values, float(s.get("messages_in", 0)))
    family("ggp_node_messages_out").add_metric(values, float(s.get("messages_out", 0)))
    family("ggp_node_drops").add_metric(values, float(s.get("drops", 0)))
    family("ggp_node_errors").add_metric(values, float(s.get("errors", 0)))
    family("ggp_node_restarts").add_metric(values, float(s.get("restarts", 0)))
    family("ggp_node_fps").add_metric(values, float(s.get("fps_out", 0.0)))
    family("ggp_node_running").add_metric(values, 1.0 if s.get("state") in _RUNNING_STATES else 0.0)
    for name, key in (("ggp_node_process_seconds", "process_us"), ("ggp_node_queue_wait_seconds", "queue_wait_us"),
                      ("ggp_node_latency_seconds", "latency_us")):
        summary = s.get(key) or {}
        buckets = _buckets(summary)
        if buckets is not None:
            family(name).add_metric(values, buckets, float(summary.get("sum", 0.0)) / 1_000_000)
    for key, value in (s.get("reported") or {}).items():
        known = BY_NODE_KEY.get(key)
        if known is not None:
            family(known.name).add_metric(values, float(value))
        else:
            family("ggp_node_metric").add_metric([*values, key], float(value))


def serve_graph_metrics(port: int, source: GraphSource, host: str = "127.0.0.1") -> tuple[Any, int]:
    """Serve /metrics for one run on host:port (0: a free port); returns (server, port). Stop with shutdown()."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry(auto_describe=False)
    collector = GraphCollector()
    collector.attach(source.graph, source)
    registry.register(collector)  # type: ignore[arg-type]
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise ConfigError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
    return server, int(server.server_address[1])
