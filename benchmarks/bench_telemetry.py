"""Telemetry overhead, side by side in one run.

(a) `Histogram.add` with the Prometheus bucket counts vs the same add without them (the code before);
(b) a graph run (test pattern -> 5 pass-throughs -> null sink, flat out) with either add: CPU time per frame;
(c) one Prometheus scrape of a 20-node run (collector + text exposition) vs `json.dumps` of the same stats
    (what `--stats-json` writes).
Prints ratios and writes benchmarks/results/telemetry.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from ggpgfx.api import Graph
from ggpgfx.runtime import metrics as runtime_metrics

RESULTS = Path(__file__).parent / "results"


def _add_without_buckets(self: runtime_metrics.Histogram, value: float) -> None:
    self.samples.append(value)
    self.count += 1
    self.total += value


def bench_add(n: int) -> dict[str, float]:
    """ns per add, with and without bucket counts."""
    values = [float((i * 7919) % 200_000) for i in range(n)]
    out: dict[str, list[float]] = {"with_buckets": [], "without": []}
    with_buckets = runtime_metrics.Histogram.add
    for _ in range(5):
        for name, add in (("with_buckets", with_buckets), ("without", _add_without_buckets)):
            hist = runtime_metrics.Histogram()
            began = time.perf_counter()
            for v in values:
                add(hist, v)
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
    """CPU µs per frame of the whole process, with and without bucket counts."""
    original = runtime_metrics.Histogram.add
    out: dict[str, list[float]] = {"with_buckets": [], "without": []}
    try:
        for _ in range(rounds):
            for name, add in (("with_buckets", original), ("without", _add_without_buckets)):
                runtime_metrics.Histogram.add = add  # type: ignore[method-assign]
                began = time.process_time()
                result = _graph(frames).run()
                assert result.error is None
                out[name].append((time.process_time() - began) / frames * 1e6)
    finally:
        runtime_metrics.Histogram.add = original  # type: ignore[method-assign]
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
    result = {"histogram_add_ns": add, "graph_cpu_us_per_frame": graph, "scrape_20_nodes": scrape,
              "ratios": {"add": add["with_buckets"] / add["without"],
                         "graph_cpu": graph["with_buckets"] / graph["without"],
                         "scrape_vs_stats_json": scrape["scrape_ms"] / scrape["stats_json_ms"]}}
    print(f"Histogram.add: {add['with_buckets']:.0f} ns with buckets vs {add['without']:.0f} ns without "
          f"({result['ratios']['add']:.2f}x)")
    print(f"graph (6 hops, 64x48): {graph['with_buckets']:.1f} vs {graph['without']:.1f} CPU us/frame "
          f"({result['ratios']['graph_cpu']:.3f}x)")
    print(f"scrape of 20 nodes: {scrape['scrape_ms']:.2f} ms vs json.dumps {scrape['stats_json_ms']:.2f} ms "
          f"({result['ratios']['scrape_vs_stats_json']:.1f}x)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "telemetry.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
