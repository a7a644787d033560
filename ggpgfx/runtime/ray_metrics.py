"""Per-node metrics of a fragment exported with ray.util.metrics (Prometheus, via the Ray dashboard agent).

Names and labels come from `ggpgfx.telemetry.catalog` (Ray exposes them with a `ray_` prefix), so the Ray
dashboard's metrics view and the shipped Grafana dashboards see the same series as `ggp run --metrics-port`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ggpgfx.telemetry.catalog import BY_NAME, GRAPH_LABELS, LATENCY_BUCKETS_S, RAY_EXTRA_LABELS

log = logging.getLogger(__name__)

EXPORT_INTERVAL_S = 2.0
_TAG_KEYS = (*GRAPH_LABELS, *RAY_EXTRA_LABELS)


class MetricsExporter:
    """Pushes node counters, gauges and latency histograms of one fragment to Ray's metrics agent."""

    def __init__(self, graph: str, fragment: str, labels: dict[str, str] | None = None) -> None:
        self.graph = graph
        self.fragment = fragment
        self.labels = {k: (labels or {}).get(k, "") for k in ("organisation", "project", "stream")}
        self._stop = threading.Event()
        self._seen: dict[tuple[str, str], int] = {}
        self.metrics: dict[str, Any] = {}

    def _make(self) -> None:
        from ray.util import metrics

        def counter(name: str) -> Any:
            return metrics.Counter(name, BY_NAME[name].help, tag_keys=_TAG_KEYS)

        def histogram(name: str) -> Any:
            return metrics.Histogram(name, BY_NAME[name].help, boundaries=list(LATENCY_BUCKETS_S), tag_keys=_TAG_KEYS)

        self.metrics = {
            "in": counter("ggp_node_messages_in"),
            "out": counter("ggp_node_messages_out"),
            "drops": counter("ggp_node_drops"),
            "errors": counter("ggp_node_errors"),
            "fps": metrics.Gauge("ggp_node_fps", BY_NAME["ggp_node_fps"].help, tag_keys=_TAG_KEYS),
            "process": histogram("ggp_node_process_seconds"),
            "queue_wait": histogram("ggp_node_queue_wait_seconds"),
            "latency": histogram("ggp_node_latency_seconds"),
        }

    def start(self, executor: Any, outlets: list[Any]) -> None:
        """Export every EXPORT_INTERVAL_S until stopped."""
        try:
            self._make()
        except Exception:  # metrics are best effort: never fail a graph over them
            log.debug("ray.util.metrics unavailable", exc_info=True)
            return
        threading.Thread(target=self._loop, args=(executor,), name="ggp-metrics", daemon=True).start()

    def _loop(self, executor: Any) -> None:
        while not self._stop.wait(EXPORT_INTERVAL_S):
            self.export(executor)
            if not executor.alive():
                self.export(executor)
                return

    def _delta(self, key: tuple[str, str], total: int) -> int:
        before = self._seen.get(key, 0)
        self._seen[key] = total
        return max(0, total - before)

    def export(self, executor: Any) -> None:
        """Push the current numbers once."""
        for nid, runner in executor.runners.items():
            tags = {**self.labels, "graph": self.graph, "node": nid, "node_type": runner.metrics.node_type,
                    "fragment": self.fragment}
            m = runner.metrics
            for name, total in (("in", m.messages_in), ("out", m.messages_out), ("drops", runner.drops()),
                                ("errors", m.errors)):
                delta = self._delta((nid, name), total)
                if delta:
                    self.metrics[name].inc(delta, tags=tags)
            self.metrics["fps"].set(m.fps_out(), tags=tags)  # not snapshot(): 3 histogram summaries a node
            for name, hist in (("process", m.process_us), ("queue_wait", m.queue_wait_us),
                               ("latency", m.latency_us)):
                fresh = self._delta((nid, name + "_count"), hist.count)
                for value in list(hist.samples)[-min(fresh, len(hist.samples)):] if fresh else []:
                    self.metrics[name].observe(value / 1_000_000, tags=tags)

    def stop(self) -> None:
        """Stop exporting."""
        self._stop.set()
