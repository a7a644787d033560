"""Per-node metrics: counters plus bounded sample windows for latency percentiles."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ggpgfx.telemetry.catalog import LATENCY_BUCKETS_S

WINDOW = 2048  # samples kept per histogram; percentiles describe the recent past
#: Upper bounds (µs) of the lifetime buckets every histogram keeps for Prometheus.
BUCKET_BOUNDS_US = tuple(b * 1_000_000 for b in LATENCY_BUCKETS_S)
_BOUNDS = np.array(BUCKET_BOUNDS_US)


@dataclass
class Histogram:
    """A bounded window of samples (µs) plus lifetime count, sum and bucket counts (for Prometheus).

    `add` stays three operations on the hot path; the bucket counts are brought up to date from the
    window when someone reads the histogram (`summary`: the live table, a scrape, `--stats-json`). When
    more samples than the window holds arrived since the last read, the missing ones are spread over
    the buckets in the window's proportions (totals stay exact). The stats refresh of `ggp run`
    (0.5-5 s) reads far more often than a 2048-sample window fills at broadcast frame rates.
    """

    samples: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))
    count: int = 0
    total: float = 0.0
    #: Lifetime samples per bucket: [i] counts values in (BOUNDS[i-1], BOUNDS[i]]; the last is +Inf.
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKET_BOUNDS_US) + 1))
    folded: int = 0  # samples already counted in `buckets`
    fold_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, value: float) -> None:
        """Record one sample."""
        self.samples.append(value)
        self.count += 1
        self.total += value

    def fold(self) -> list[int]:
        """Count the samples added since the last call into the buckets; returns a copy of the buckets."""
        with self.fold_lock:
            count = self.count  # read before copying: the copy then holds at least these samples
            fresh = count - self.folded
            if fresh > 0:
                window = self.samples.copy()  # one C call: safe while the node thread appends
                take = min(fresh, len(window))
                if take:
                    recent = np.fromiter(itertools.islice(window, len(window) - take, None), dtype=np.float64,
                                         count=take)
                    counts = np.bincount(np.searchsorted(_BOUNDS, recent, side="left"), minlength=len(self.buckets))
                    if fresh > take:
                        scaled = np.floor(counts * (fresh / take)).astype(np.int64)
                        scaled[int(np.argmax(counts))] += fresh - int(scaled.sum())
                        counts = scaled
                    for index, amount in enumerate(counts.tolist()):
                        self.buckets[index] += int(amount)
                    self.folded = count
            return list(self.buckets)

    def summary(self) -> dict[str, Any]:
        """count, mean, p50, p90, p99, max over the window; lifetime sum and per-bucket counts."""
        buckets = self.fold()
        if not self.samples:
            return {"count": self.count, "mean": 0.0, "p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0,
                    "sum": self.total, "buckets": buckets}
        arr = np.fromiter(self.samples.copy(), dtype=np.float64)
        p50, p90, p99 = percentiles(arr, (50.0, 90.0, 99.0))
        return {"count": self.count, "mean": self.total / max(self.count, 1), "p50": float(p50),
                "p90": float(p90), "p99": float(p99), "max": float(arr.max()), "sum": self.total,
                "buckets": buckets}


def percentiles(values: np.ndarray, points: tuple[float, ...]) -> list[float]:
    """Percentiles of a non-empty array, linearly interpolated like `np.percentile`'s default, which on its
    way imports `numpy.ma` (~20 ms of every `ggp run`, for the final stats)."""
    ordered = np.sort(values)
    positions = np.asarray(points, dtype=np.float64) / 100.0 * (len(ordered) - 1)
    return [float(value) for value in np.interp(positions, np.arange(len(ordered)), ordered)]


@dataclass
class NodeMetrics:
    """Counters and histograms of one node."""

    node_id: str
    node_type: str
    messages_in: int = 0
    messages_out: int = 0
    drops: int = 0
    errors: int = 0
    #: frames moved host->device / device->host on the way into this node (CPU<->GPU boundaries)
    uploads: int = 0
    downloads: int = 0
    process_us: Histogram = field(default_factory=Histogram)
    queue_wait_us: Histogram = field(default_factory=Histogram)
    latency_us: Histogram = field(default_factory=Histogram)  # end to end, from the source's emit
    started: float = field(default_factory=time.monotonic)
    state: str = "created"
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fps_out(self) -> float:
        """Messages out per second since the node started (what `snapshot()["fps_out"]` says, without the
        histogram summaries a snapshot computes)."""
        return self.messages_out / max(time.monotonic() - self.started, 1e-9)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view."""
        with self.lock:
            elapsed = max(time.monotonic() - self.started, 1e-9)
            return {
                "node": self.node_id,
                "type": self.node_type,
                "state": self.state,
                "messages_in": self.messages_in,
                "messages_out": self.messages_out,
                "drops": self.drops,
                "errors": self.errors,
                "uploads": self.uploads,
                "downloads": self.downloads,
                "fps_out": self.messages_out / elapsed,
                "process_us": self.process_us.summary(),
                "queue_wait_us": self.queue_wait_us.summary(),
                "latency_us": self.latency_us.summary(),
            }
