"""graphs/multi_feed.yaml: CPU per feed, and whether the whole graph holds real time on this machine.

Part 1 (side by side, non-realtime, each variant in its own process): the shared part alone (table, rules,
the camera picture), then the shared part plus one feed at a time, then the whole graph. Each variant runs
twice, for `--warm` frames and for `--warm` + `--frames` frames, and its steady CPU per frame is the
difference over the difference (set-up, first drawings, encoder start and flush, cache building cancel; every
variant is measured over exactly the same frames). The difference to the shared part is each feed's CPU per
frame; from those, how many feeds of each kind 2 cores could carry at 30 fps. Part 2: the whole graph in real time for a bounded time: frames out per feed against
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
        if node["type"] == "ingest.table_sim":
            # the graph plays one hand (762 frames) and stops: the benchmark plays on, so a run of any length
            # measures what it asks for (a 60 s real-time run of one hand stopped at 762 of 1,800 frames)
            params.pop("max_hands", None)
    edges = [e for e in data["edges"] if all(part.split(".")[0].strip() in keep for part in e.split("->"))]
    nodes["camera_sink"] = {"type": "sink.null"}  # the camera picture is made in every variant
    edges.append("table.video -> camera_sink.inp")
    data.update(nodes=nodes, edges=edges)
    return data  # type: ignore[no-any-return]


def child(spec_path: Path, frames: int, realtime: bool, seconds: float) -> None:
    """Run one graph in this process; print the process CPU and wall time of the run itself (set-up included,
    imports and validation not), the camera frames made and per-node counts as JSON."""
    from ggpgfx.api import Graph

    graph = Graph.from_yaml(spec_path.read_text(), str(spec_path))
    options = {"duration_s": seconds} if realtime else {"max_frames": frames}
    samples: list[tuple[float, int]] = []  # (wall s, camera frames) once a second: the steady pace in real time

    def sample(stats: dict[str, Any]) -> None:
        samples.append((time.perf_counter(), int(stats["camera_sink"]["messages_in"])))

    cpu0, began = time.process_time(), time.perf_counter()
    result = graph.run(realtime=realtime, on_stats=sample, stats_interval_s=1.0, **options)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - began
    # from the first second of media made (set-up and the encoders' start excluded) to the first sample with
    # the camera's last frame (later samples are the stop: the secure delay draining, the files closing)
    last = max((s[1] for s in samples), default=0)
    steady = [s for s in samples if s[1] >= FPS]
    steady = steady[:next((i + 1 for i, s in enumerate(steady) if s[1] == last), len(steady))]
    pace = ((steady[-1][1] - steady[0][1]) / FPS / (steady[-1][0] - steady[0][0])
            if len(steady) > 1 and steady[-1][0] > steady[0][0] else None)
    counts = {nid: {"in": s.get("messages_in", 0), "out": s.get("messages_out", 0), "drops": s.get("drops", 0)}
              for nid, s in result.nodes.items()}
    latency = {nid: round(s["latency_us"]["p50"] / 1000, 1) for nid, s in result.nodes.items()
               if nid.endswith("_enc") and "latency_us" in s}
    print(json.dumps({"cpu_s": cpu, "wall_s": wall, "frames": counts["camera_sink"]["in"], "nodes": counts,
                      "latency_p50_ms": latency, "steady_pace": pace}))


def run_child(spec: dict[str, Any], folder: Path, frames: int, realtime: bool = False, seconds: float = 0) -> Any:
    """Run a graph spec in a fresh process (no JIT or cache shared between variants)."""
    path = folder / "graph.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    done = subprocess.run([sys.executable, __file__, "--child", str(path), "--frames", str(frames),
                           "--realtime-s", str(seconds)] + (["--realtime"] if realtime else []),
                          capture_output=True, text=True, check=False, cwd=folder)
    if done.returncode != 0:
        raise SystemExit(f"run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def steady_cpu(feeds: tuple[str, ...], folder: Path, warm: int, frames: int, delay_s: float) -> dict[str, float]:
    """CPU ms per frame of a variant in steady state: the same graph run for `warm` frames and for `warm + frames`
    frames; the difference of the two runs' CPU over the difference of frames. Set-up, the first drawings, the
    encoders' start and flush and any cache building cancel out, so every variant is measured over exactly
    `frames` frames, wherever in the run its work happens (a sink-only graph races ahead of the rules engine)."""
    runs = []
    for length in (warm, warm + frames):
        sub = folder / str(length)
        sub.mkdir(parents=True)
        run = run_child(variant_graph(feeds, sub, delay_s), sub, length)
        if run["frames"] != length:
            raise SystemExit(f"{folder.name}: asked for {length} camera frames, the graph made {run['frames']}")
        runs.append(run)
    cpu_ms = (runs[1]["cpu_s"] - runs[0]["cpu_s"]) / frames * 1000
    wall_ms = (runs[1]["wall_s"] - runs[0]["wall_s"]) / frames * 1000
    return {"cpu_ms": cpu_ms, "wall_ms": wall_ms, "frames": frames}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="steady frames measured per non-realtime variant")
    parser.add_argument("--warm", type=int, default=60, help="frames run before measuring (set-up excluded)")
    parser.add_argument("--realtime-s", type=float, default=60.0, help="seconds of the real-time run (0: skip)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each variant this many times (median)")
    parser.add_argument("--delay-s", type=float, default=2.0, help="secure delay of every delayed feed")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--realtime", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.frames, args.realtime, args.realtime_s)
        return
    results: dict[str, Any] = {"frames": args.frames, "warm": args.warm, "cores": os.cpu_count(),
                               "load_before": os.getloadavg()}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-multifeed-") as tmp:
        # what is cached on disk ($GGP_HOME's evaluator tables, Numba's compiled kernels) is built before any
        # variant: a cache built inside one run of a pair would count against that run alone
        from ggpgfx.poker.tables import get_tables

        get_tables()
        prime = Path(tmp) / "prime"
        prime.mkdir()
        run_child(variant_graph(VARIANTS["all"], prime, args.delay_s), prime, args.warm + args.frames)
        for name, feeds in VARIANTS.items() if args.frames > 0 else ():
            folder = Path(tmp) / name.replace("+", "_")
            folder.mkdir()
            runs = [steady_cpu(feeds, folder / f"r{i}", args.warm, args.frames, args.delay_s)
                    for i in range(args.repeat)]
            cpu[name] = sorted(r["cpu_ms"] for r in runs)[len(runs) // 2]
            wall_ms = sorted(r["wall_ms"] for r in runs)[len(runs) // 2]
            # wall per frame is a difference of two loaded runs too: only a guide, and meaningless for the
            # sink-only variant, which makes frames as fast as the table draws them
            print(f"{name:20s} CPU {cpu[name]:6.1f} ms/frame over {args.frames} frames (after {args.warm}), "
                  f"wall {wall_ms:6.1f} ms/frame; load {os.getloadavg()[0]:.1f}", flush=True)
        if cpu:
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
            spare = budget - cpu["shared"]
            fit = {feed: int(spare // ms) if ms > 0 else None for feed, ms in per_feed.items()}
            results["feeds_of_one_kind_that_fit_idle"] = fit
            results["whole_graph_share_of_budget"] = cpu["all"] / budget
            print(f"feeds of one kind that {os.cpu_count()} idle cores carry beside the shared part: {fit}; "
                  f"the whole graph uses {cpu['all'] / budget:.0%} of them")
        if args.realtime_s > 0:
            folder = Path(tmp) / "realtime"
            folder.mkdir()
            run = run_child(variant_graph(VARIANTS["all"], folder, args.delay_s), folder, 0, True, args.realtime_s)
            due = int(args.realtime_s * FPS)
            outs = {feed: run["nodes"].get(enc, {}).get("in", 0) for feed, enc in
                    (("venue", "venue_enc"), ("broadcast", "broadcast_enc"), ("fill", "fill_enc"),
                     ("key", "key_enc"), ("vertical", "vertical_enc"))}
            drops = sum(n.get("drops", 0) for n in run["nodes"].values())
            cores = run["cpu_s"] / max(run["wall_s"], 1e-9)  # set-up included
            # a source that falls behind its clock stretches the run: media seconds per wall second < 1 (the
            # camera's pace once it has made its first second, so the set-up does not count against it)
            pace = run["steady_pace"] or 0.0
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
