"""Latency: source pts -> encoded packet at 720p30, x264 veryfast with tune=zerolatency, p50 and p95.

Side by side in one run, each paced in real time for --seconds:
  (a) the encoder alone: test pattern -> encode.h264 -> sink (the encoder's own delay);
  (b) the overlay path: test pattern -> render.overlay (ticker, lower third, delay badge) -> encode.h264 -> sink.
The latency is the sink's `latency_us`: from the moment the source emitted the frame (its origin) to the
packet reaching the sink, on the default scheduler. Target: (b) <= (a) + one frame (33.3 ms), p50 and p95.
Also prints CPU per frame of each run (process CPU time / frames).

    .venv/bin/python benchmarks/bench_latency.py [--seconds 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.graph.registry import get_node_type

RESULTS = Path(__file__).parent / "results"
W, H, FPS = 1280, 720, 30.0
FRAME_MS = 1000 / FPS


LATENCIES_MS: list[float] = []


class LatencySink(Node):
    """Record each packet's age: now minus the wall time its source frame was emitted (its origin)."""

    type_name = "bench.latency_sink"
    inputs = {"inp": Port(Any)}  # type: ignore[arg-type]

    def process(self, port: str, msg: Message) -> None:
        LATENCIES_MS.append((time.time_ns() - msg.origin_ns) / 1e6)


if get_node_type(LatencySink.type_name) is None:
    register_node(LatencySink)


def run(overlay: bool, seconds: float) -> dict[str, Any]:
    """One paced run; the sink's latency percentiles (ms) and CPU per frame."""
    frames = int(seconds * FPS)
    g = Graph("latency-overlay" if overlay else "latency-encoder", fps=FPS, realtime=True)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=frames)
    g.add("encode.h264", id="enc", preset="veryfast", tune="zerolatency", crf=23)
    g.add("bench.latency_sink", id="sink")
    if overlay:
        g.add("render.overlay", id="gfx", animate=False, lower_third_title="LATENCY BENCHMARK",
              ticker="source pts to encoded packet at 720p30", delay_s=30)
        g.connect("cam.video", "gfx.video")
        g.connect("gfx.video", "enc.video")
    else:
        g.connect("cam.video", "enc.video")
    g.connect("enc.packets", "sink.inp")
    LATENCIES_MS.clear()
    began_cpu = time.process_time()
    result = g.run()
    cpu = time.process_time() - began_cpu
    if result.error is not None:
        raise SystemExit(f"benchmark graph failed: {result.error}")
    samples = np.array(LATENCIES_MS[int(FPS):] or LATENCIES_MS)  # the first second warms the encoder up
    p50, p95, p99 = (float(v) for v in np.percentile(samples, [50, 95, 99]))
    return {"frames": frames, "packets": len(LATENCIES_MS), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
            "cpu_ms_per_frame": cpu / frames * 1000}


def main() -> None:
    """Interleave encoder-alone and overlay runs; print p50/p95 and the difference in frames."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.seconds <= 0 or args.rounds < 1:
        parser.error("--seconds must be > 0 and --rounds >= 1")
    alone: list[dict[str, Any]] = []
    full: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        alone.append(run(False, args.seconds))
        full.append(run(True, args.seconds))

    def med(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"720p30 x264 veryfast zerolatency, {args.seconds:.0f} s x {args.rounds} rounds, real time")
    print("                        p50 ms   p95 ms   p99 ms   CPU ms/frame")
    for name, runs in (("encoder alone", alone), ("overlay + encoder", full)):
        print(f"  {name:20s} {med(runs, 'p50_ms'):7.1f}  {med(runs, 'p95_ms'):7.1f}  {med(runs, 'p99_ms'):7.1f}  "
              f"{med(runs, 'cpu_ms_per_frame'):9.2f}")
    extra50 = (med(full, "p50_ms") - med(alone, "p50_ms")) / FRAME_MS
    extra95 = (med(full, "p95_ms") - med(alone, "p95_ms")) / FRAME_MS
    print(f"  beyond the encoder's own delay: p50 {extra50:+.2f} frames, p95 {extra95:+.2f} frames (target <= 1)")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "latency.json"
    out.write_text(json.dumps({"encoder_alone": alone, "overlay": full, "extra_frames_p50": extra50,
                               "extra_frames_p95": extra95}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
