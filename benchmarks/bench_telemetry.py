"""Telemetry overhead, side by side in one run.

(a) ns per sample: `Histogram.add` plus the bucket fold on read (every 500 samples, as a 30 fps node read
    by a stats refresh every ~16 s would see) vs a per-add `bisect` into the buckets vs the plain add alone;
(b) a graph run (test pattern -> 5 pass-throughs -> null sink, flat out, stats read every 50 ms) with the
    bucket fold vs with the fold switched off: CPU time per frame;
(c) one Prometheus scrape of a 20-node run (collector + text exposition) vs `json.dumps` of the same stats
    (what `--stats-json` writes).
Prints ratios and writes benchmarks/results/telemetry.json.
"""

from __future__ import annotations

import argparse
import bisect
import json
import statistics
import time
from pathlib import Path
from typing import Any

from ggpgfx.api import Graph
from ggpgfx.runtime import metrics as runtime_metrics

RESULTS = Path(__file__).parent / "results"


def _bisect_add(self: runtime_metrics.Histogram, value: float) -> None:
    self.samples.append(value)
    self.count += 1
    self.total += value
    self.buckets[bisect.bisect_left(runtime_metrics.BUCKET_BOUNDS_US, value)] += 1


def bench_add(n: int) -> dict[str, float]:
    """ns per sample: add + fold every 500, bisect per add, plain add."""
    values = [float((i * 7919) % 200_000) for i in range(n)]
    out: dict[str, list[float]] = {"add_and_fold": [], "bisect_per_add": [], "plain_add": []}
    add = runtime_metrics.Histogram.add
    for _ in range(5):
        hist = runtime_metrics.Histogram()
        began = time.perf_counter()
        for start in range(0, n, 500):
            for v in values[start:start + 500]:
                add(hist, v)
            hist.fold()
        out["add_and_fold"].append((time.perf_counter() - began) / n * 1e9)
        assert sum(hist.buckets) == n
        for name, fn in (("bisect_per_add", _bisect_add), ("plain_add", add)):
            hist = runtime_metrics.Histogram()
            began = time.perf_counter()
            for start in range(0, n, 500):  # the same loop shape as above
                for v in values[start:start + 500]:
                    fn(hist, v)
            out[name].append((time.perf_counter() - began) / n * 1e9)
    return {k: statistics.median(v) for k, v in out.items()}


def _graph(frames: int) -> Graph:
    g = Graph("bench-telemetry", realtime=False)
    g.add("ingest.test_pattern", id="src", width=64, height=48, frames=frames)
    prev = "src.video"
    for i in range(5):
        g.add("util.passthrough", id=f"p{i}")
        g.connect(prev, f"p{i}.inp")
        prev = f"p{i}.out"
    g.add("sink.null", id="sink")
    g.connect(prev, "sink.inp")
    return g


def bench_graph(frames: int, rounds: int) -> dict[str, float]:
    """CPU µs per frame of the whole process, stats read every 50 ms, with the bucket fold and without."""
    original = runtime_metrics.Histogram.fold
    out: dict[str, list[float]] = {"with_fold": [], "without_fold": []}
    variants = [("with_fold", original), ("without_fold", lambda self: list(self.buckets))]
    try:
        for round_index in range(rounds):
            for name, fold in variants if round_index % 2 == 0 else variants[::-1]:
                runtime_metrics.Histogram.fold = fold  # type: ignore[method-assign]
                began = time.process_time()
                result = _graph(frames).run(on_stats=lambda stats: None, stats_interval_s=0.05)
                assert result.error is None
                out[name].append((time.process_time() - began) / frames * 1e6)
    finally:
        runtime_metrics.Histogram.fold = original  # type: ignore[method-assign]
    return {k: statistics.median(v) for k, v in out.items()}


def bench_scrape(nodes: int, rounds: int) -> dict[str, float]:
    """ms per scrape (collector + exposition) vs json.dumps of the same stats."""
    from prometheus_client import CollectorRegistry, generate_latest

    from ggpgfx.telemetry.prom import GraphCollector, GraphSource

    stats = _graph(200).run().nodes
    template = stats["p0"]
    many: dict[str, Any] = {f"n{i}": dict(template, reported={"encoder_bitrate_bps": 6e6}) for i in range(nodes)}
    collector = GraphCollector()
    collector.attach("run", GraphSource("bench", lambda: many, {"organisation": "o", "project": "p", "stream": "s"}))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)  # type: ignore[arg-type]
    scrape, dump = [], []
    for _ in range(rounds):
        began = time.perf_counter()
        generate_latest(registry)
        scrape.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        json.dumps(many)
        dump.append((time.perf_counter() - began) * 1000)
    return {"scrape_ms": statistics.median(scrape), "stats_json_ms": statistics.median(dump)}


def main() -> None:
    """Run all three and print ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adds", type=int, default=200_000)
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    add = bench_add(args.adds)
    graph = bench_graph(args.frames, args.rounds)
    scrape = bench_scrape(20, 50)
    result = {"histogram_ns_per_sample": add, "graph_cpu_us_per_frame": graph, "scrape_20_nodes": scrape,
              "ratios": {"add_and_fold_vs_plain": add["add_and_fold"] / add["plain_add"],
                         "bisect_vs_plain": add["bisect_per_add"] / add["plain_add"],
                         "graph_cpu": graph["with_fold"] / graph["without_fold"],
                         "scrape_vs_stats_json": scrape["scrape_ms"] / scrape["stats_json_ms"]}}
    r = result["ratios"]
    print(f"per sample: add+fold {add['add_and_fold']:.0f} ns, bisect per add {add['bisect_per_add']:.0f} ns, "
          f"plain add {add['plain_add']:.0f} ns ({r['add_and_fold_vs_plain']:.2f}x / {r['bisect_vs_plain']:.2f}x)")
    print(f"graph (6 hops, 64x48, stats every 50 ms): {graph['with_fold']:.1f} vs {graph['without_fold']:.1f} "
          f"CPU us/frame ({r['graph_cpu']:.3f}x)")
    print(f"scrape of 20 nodes: {scrape['scrape_ms']:.2f} ms vs json.dumps {scrape['stats_json_ms']:.2f} ms "
          f"({r['scrape_vs_stats_json']:.1f}x)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "telemetry.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
