"""graphs/multi_feed.yaml: CPU per feed, and whether the whole graph holds real time on this machine.

Part 1 (side by side, non-realtime, each variant in its own process): the shared part alone (table, rules,
the camera picture), then the shared part plus one feed at a time, then the whole graph. The difference
to the shared part is each feed's CPU per frame; from those, how many feeds of each kind 2 cores could
carry at 30 fps. Part 2: the whole graph in real time for a bounded time: frames out per feed against
the frames due, drops, and the CPU it used (cores busy).

Run: nice -n 10 .venv/bin/python benchmarks/bench_multi_feed.py [--frames 300] [--realtime-s 60]
Writes benchmarks/results/multi_feed.json. On a machine shared with other work (8 engineers on 2 cores
while this was written) the real-time part is pessimistic; CPU per feed is the number that carries over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
GRAPH = REPO / "graphs" / "multi_feed.yaml"
SHARED = ("table", "rules")
FEEDS = {
    "venue": ("venue_gfx", "venue_enc", "venue_hls"),
    "broadcast": ("broadcast_gfx", "broadcast_enc", "broadcast_delay", "broadcast_mp4"),
    "key_fill": ("fill_enc", "fill_delay", "fill_mp4", "key_enc", "key_delay", "key_mp4"),
    "vertical": ("vertical_cut", "vertical_gfx", "vertical_enc", "vertical_delay", "vertical_hls"),
}
#: variant -> feeds it contains (key & fill hangs off the broadcast overlay, so it is measured on top of it)
VARIANTS = {"shared": (), "venue": ("venue",), "broadcast": ("broadcast",),
            "broadcast+key_fill": ("broadcast", "key_fill"), "vertical": ("vertical",),
            "all": ("venue", "broadcast", "key_fill", "vertical")}
FPS = 30


def variant_graph(feeds: tuple[str, ...], folder: Path, delay_s: float) -> dict[str, Any]:
    """multi_feed.yaml with only the shared nodes and these feeds, writing under `folder`."""
    data = yaml.safe_load(GRAPH.read_text())
    keep = set(SHARED) | {node for feed in feeds for node in FEEDS[feed]}
    nodes = {nid: node for nid, node in data["nodes"].items() if nid in keep}
    for node in nodes.values():
        params = node.setdefault("params", {})
        if "path" in params:
            params["path"] = str(folder / Path(params["path"]).name)
        if "folder" in params:
            params["folder"] = str(folder / Path(params["folder"]).name)
        if node["type"] == "delay.secure":
            params["delay_s"] = delay_s
    edges = [e for e in data["edges"] if all(part.split(".")[0].strip() in keep for part in e.split("->"))]
    nodes["camera_sink"] = {"type": "sink.null"}  # the camera picture is made in every variant
    edges.append("table.video -> camera_sink.inp")
    data.update(nodes=nodes, edges=edges)
    return data  # type: ignore[no-any-return]


def child(spec_path: Path, frames: int, realtime: bool, seconds: float, warm: int) -> None:
    """Run one graph in this process; print its steady CPU per camera frame (after `warm` frames: set-up,
    encoder start and the first drawings excluded), wall time and per-node counts as JSON."""
    from ggpgfx.api import Graph

    graph = Graph.from_yaml(spec_path.read_text(), str(spec_path))
    samples: list[tuple[float, float, int]] = []  # (process CPU s, wall s, camera frames) once a second

    def sample(stats: dict[str, Any]) -> None:
        samples.append((time.process_time(), time.perf_counter(), int(stats["camera_sink"]["messages_in"])))

    options = {"duration_s": seconds} if realtime else {"max_frames": warm + frames}
    began = time.perf_counter()
    result = graph.run(realtime=realtime, on_stats=sample, stats_interval_s=0.5, **options)
    samples.append((time.process_time(), time.perf_counter(), int(result.nodes["camera_sink"]["messages_in"])))
    start = next((s for s in samples if s[2] >= warm), samples[0])
    cpu, wall, counted = (samples[-1][i] - start[i] for i in range(3))
    counts = {nid: {"in": s.get("messages_in", 0), "out": s.get("messages_out", 0), "drops": s.get("drops", 0)}
              for nid, s in result.nodes.items()}
    latency = {nid: round(s["latency_us"]["p50"] / 1000, 1) for nid, s in result.nodes.items()
               if nid.endswith("_enc") and "latency_us" in s}
    print(json.dumps({"cpu_s": cpu, "wall_s": wall, "frames": counted, "nodes": counts,
                      "run_wall_s": time.perf_counter() - began, "latency_p50_ms": latency}))


def run_child(spec: dict[str, Any], folder: Path, frames: int, warm: int, realtime: bool = False,
              seconds: float = 0) -> Any:
    """Run a graph spec in a fresh process (no JIT or cache shared between variants)."""
    path = folder / "graph.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    done = subprocess.run([sys.executable, __file__, "--child", str(path), "--frames", str(frames), "--warm",
                           str(warm), "--realtime-s", str(seconds)] + (["--realtime"] if realtime else []),
                          capture_output=True, text=True, check=False, cwd=folder)
    if done.returncode != 0:
        raise SystemExit(f"run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="steady frames measured per non-realtime variant")
    parser.add_argument("--warm", type=int, default=60, help="frames run before measuring (set-up excluded)")
    parser.add_argument("--realtime-s", type=float, default=60.0, help="seconds of the real-time run (0: skip)")
    parser.add_argument("--delay-s", type=float, default=2.0, help="secure delay of every delayed feed")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--realtime", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.frames, args.realtime, args.realtime_s, args.warm)
        return
    results: dict[str, Any] = {"frames": args.frames, "cores": os.cpu_count(), "load_before": os.getloadavg()}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-multifeed-") as tmp:
        for name, feeds in VARIANTS.items():
            folder = Path(tmp) / name.replace("+", "_")
            folder.mkdir()
            run = run_child(variant_graph(feeds, folder, args.delay_s), folder, args.frames, args.warm)
            cpu[name] = run["cpu_s"] / max(1, run["frames"]) * 1000
            print(f"{name:20s} CPU {cpu[name]:6.1f} ms/frame over {run['frames']} frames, wall {run['wall_s']:6.1f} s "
                  f"({run['frames'] / FPS / max(run['wall_s'], 1e-9):.2f}x real time)")
        per_feed = {"venue": cpu["venue"] - cpu["shared"], "broadcast": cpu["broadcast"] - cpu["shared"],
                    "key_fill": cpu["broadcast+key_fill"] - cpu["broadcast"],
                    "vertical": cpu["vertical"] - cpu["shared"]}
        budget = 1000.0 / FPS * (os.cpu_count() or 1)  # CPU ms per frame the machine has at 30 fps
        results.update(cpu_ms_per_frame=cpu, cpu_ms_per_feed=per_feed, budget_ms_per_frame=budget)
        print(f"shared part (table, rules, camera): {cpu['shared']:.1f} ms/frame")
        for feed, ms in per_feed.items():
            print(f"  + {feed:10s} {ms:6.1f} ms/frame = {ms * FPS / 1000:.2f} cores at 30 fps")
        total = cpu["shared"] + sum(per_feed.values())
        print(f"sum of parts {total:.1f} ms/frame vs whole graph {cpu['all']:.1f} ms/frame; "
              f"budget of {os.cpu_count()} cores at 30 fps: {budget:.1f} ms/frame")
        mean_feed = sum(per_feed.values()) / len(per_feed)
        fit = int((budget - cpu["shared"]) // mean_feed) if mean_feed > 0 else 0
        results["feeds_that_fit_idle"] = fit
        print(f"feeds of this mix that fit an idle machine: {fit} (average feed {mean_feed:.1f} ms/frame)")
        if args.realtime_s > 0:
            folder = Path(tmp) / "realtime"
            folder.mkdir()
            run = run_child(variant_graph(VARIANTS["all"], folder, args.delay_s), folder, 0, args.warm, True,
                            args.realtime_s)
            due = int(args.realtime_s * FPS)
            outs = {feed: run["nodes"].get(enc, {}).get("in", 0) for feed, enc in
                    (("venue", "venue_enc"), ("broadcast", "broadcast_enc"), ("fill", "fill_enc"),
                     ("key", "key_enc"), ("vertical", "vertical_enc"))}
            drops = sum(n.get("drops", 0) for n in run["nodes"].values())
            cores = run["cpu_s"] / max(run["wall_s"], 1e-9)  # after the warm-up frames
            # a source that falls behind its clock stretches the run: media seconds per wall second < 1
            pace = min(outs.values()) / FPS / run["run_wall_s"]
            results["realtime"] = {"seconds": args.realtime_s, "frames_due": due, "frames_encoded": outs,
                                   "drops": drops, "cores_busy": cores, "media_s_per_wall_s": pace,
                                   "encoder_latency_p50_ms": run["latency_p50_ms"], "load_after": os.getloadavg()}
            print(f"real time, whole graph, {args.realtime_s:.0f} s: frames due {due}, encoded per feed {outs}, "
                  f"drops {drops}, {pace:.2f} s of media per s of wall time, {cores:.2f} cores busy, latency p50 "
                  f"at the encoders {run['latency_p50_ms']} ms; load average now {os.getloadavg()[0]:.1f}")
    out = Path(__file__).parent / "results" / "multi_feed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
