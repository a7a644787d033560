"""Per-node metrics of a fragment exported with ray.util.metrics (Prometheus, via the Ray dashboard agent)."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

EXPORT_INTERVAL_S = 2.0
#: Histogram boundaries in milliseconds for processing and end-to-end latency.
LATENCY_BOUNDARIES_MS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 33, 50, 100, 250, 1000]


class MetricsExporter:
    """Pushes node counters, gauges and latency histograms of one fragment to Ray's metrics agent."""

    def __init__(self, graph: str, fragment: str) -> None:
        self.graph = graph
        self.fragment = fragment
        self._stop = threading.Event()
        self._seen: dict[tuple[str, str], int] = {}
        self.metrics: dict[str, Any] = {}

    def _make(self) -> None:
        from ray.util import metrics

        keys = ("graph", "fragment", "node")
        self.metrics = {
            "in": metrics.Counter("ggp_node_messages_in", "Messages a node received.", tag_keys=keys),
            "out": metrics.Counter("ggp_node_messages_out", "Messages a node emitted.", tag_keys=keys),
            "drops": metrics.Counter("ggp_node_drops", "Messages dropped on a node's inputs.", tag_keys=keys),
            "fps": metrics.Gauge("ggp_node_fps", "Messages out per second.", tag_keys=keys),
            "process": metrics.Histogram("ggp_node_process_ms", "Time in process()/tick().",
                                         boundaries=LATENCY_BOUNDARIES_MS, tag_keys=keys),
            "latency": metrics.Histogram("ggp_node_latency_ms", "End-to-end latency from the source's emit.",
                                         boundaries=LATENCY_BOUNDARIES_MS, tag_keys=keys),
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
            tags = {"graph": self.graph, "fragment": self.fragment, "node": nid}
            m = runner.metrics
            for name, total in (("in", m.messages_in), ("out", m.messages_out), ("drops", runner.drops())):
                delta = self._delta((nid, name), total)
                if delta:
                    self.metrics[name].inc(delta, tags=tags)
            self.metrics["fps"].set(m.snapshot()["fps_out"], tags=tags)
            for name, hist in (("process", m.process_us), ("latency", m.latency_us)):
                fresh = self._delta((nid, name + "_count"), hist.count)
                for value in list(hist.samples)[-min(fresh, len(hist.samples)):] if fresh else []:
                    self.metrics[name].observe(value / 1000, tags=tags)

    def stop(self) -> None:
        """Stop exporting."""
        self._stop.set()
