"""Key & fill over a long run: program, fill, key and the clean camera stay frame-accurate, and what it costs.

A simulated table plays random hands through the rules engine and one render.overlay. The key & fill graph
records four H.264 files (program, fill, key, clean camera); the baseline graph, run side by side, records
program and camera only. Afterwards every file's packet pts are compared (the same frames at the same times,
over the whole run) and every Nth frame is decoded to key the fill over the camera and compare it with the
program. Runs at non-realtime (accelerated) speed; CPU time per frame is reported, not only wall time.

Run: nice -n 10 .venv/bin/python benchmarks/bench_key_fill.py [--minutes 10] [--baseline-minutes 1]
Writes benchmarks/results/key_fill.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from ggpgfx.media.frames import VideoFrame

FPS = 30
FEEDS = {"baseline": ("program", "clean"), "keyfill": ("program", "fill", "key", "clean")}


def build(kind: str, folder: Path, frames: int, width: int, height: int, preset: str) -> object:
    """The graph of one kind, recording to `folder`."""
    from ggpgfx.api import Graph

    g = Graph(f"bench-{kind}", fps=FPS)
    # random hands are planned up front: enough for the run (a hand takes several seconds of media)
    g.add("ingest.table_sim", id="table", width=width, height=height, source="random", max_hands=frames // 60 + 5,
          action_interval_s=0.3, deal_interval_s=0.05, end_pause_s=0.5, name_plates=False, hole_cards="down")
    g.add("rules.poker", id="rules")
    g.add("render.overlay", id="gfx", in_place=False, skin="broadcast", render_thread="off")
    g.connect("table.video", "gfx.video")
    g.connect("table.reads", "rules.reads")
    g.connect("table.actions", "rules.actions")
    g.connect("rules.state", "gfx.state")
    ports = {"program": "gfx.video", "fill": "gfx.fill", "key": "gfx.key", "clean": "table.video"}
    for name in FEEDS[kind]:
        g.add("encode.h264", id=f"{name}_enc", preset=preset, crf=18, keyint=60)
        g.add("publish.file", id=f"{name}_file", path=str(folder / f"{name}.mp4"))
        g.connect(ports[name], f"{name}_enc.video")
        g.connect(f"{name}_enc.packets", f"{name}_file.packets")
    return g


def child(kind: str, folder: Path, frames: int, width: int, height: int, preset: str) -> None:
    """Run one graph in this process and print its CPU and wall time as JSON (imports and JIT load excluded)."""
    graph = build(kind, folder, frames, width, height, preset)
    began_wall, began_cpu = time.perf_counter(), time.process_time()
    graph.run(realtime=False, max_frames=frames)  # type: ignore[attr-defined]
    print(json.dumps({"kind": kind, "frames": frames, "cpu_s": time.process_time() - began_cpu,
                      "wall_s": time.perf_counter() - began_wall}))


def packet_pts(path: Path) -> list[int]:
    """Every video packet's pts in microseconds, in presentation order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(int(p.pts * stream.time_base * 1_000_000) for p in container.demux(stream) if p.pts is not None)


def sampled_frames(path: Path, every: int) -> dict[int, VideoFrame]:
    """Every `every`th decoded frame as yuv420p planes, keyed by frame number."""
    out: dict[int, VideoFrame] = {}
    with av.open(str(path)) as container:
        for index, f in enumerate(container.decode(video=0)):
            if index % every:
                continue
            planes = [np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:, :w].copy()  # type: ignore[call-overload]
                      for p, w in zip(f.planes, (f.width, f.width // 2, f.width // 2), strict=True)]
            out[index] = VideoFrame(planes, "yuv420p", f.width, f.height, int(f.time * 1e6))
    return out


def keyed_error(folder: Path, every: int) -> dict[str, float]:
    """Mean and p99 of |fill keyed over camera - program| (luma code values) over the sampled frames."""
    from ggpgfx.render.alpha import key_over

    decoded = {name: sampled_frames(folder / f"{name}.mp4", every) for name in FEEDS["keyfill"]}
    means, p99s, worst = [], [], 0
    for index, program in decoded["program"].items():
        keyed = key_over(decoded["clean"][index], decoded["fill"][index], decoded["key"][index])
        diff = np.abs(keyed.planes[0].astype(np.int16) - program.planes[0].astype(np.int16))
        means.append(float(diff.mean()))
        p99s.append(float(np.percentile(diff, 99)))
        worst = max(worst, int(diff.max()))
    return {"frames_compared": len(means), "mean": float(np.mean(means)), "worst_frame_mean": max(means),
            "p99_max": max(p99s), "max": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="media length of the key & fill run")
    parser.add_argument("--baseline-minutes", type=float, default=2.0, help="media length of the baseline run")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--preset", default="ultrafast", help="x264 preset of every encoder")
    parser.add_argument("--sample-every", type=int, default=300, help="decode and key every Nth frame")
    parser.add_argument("--child", choices=list(FEEDS), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--frames", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.frames, args.width, args.height, args.preset)
        return
    results: dict[str, object] = {"width": args.width, "height": args.height, "preset": args.preset}
    with tempfile.TemporaryDirectory(prefix="bench-keyfill-") as tmp:
        runs = {}
        for kind, minutes in (("baseline", args.baseline_minutes), ("keyfill", args.minutes)):
            folder = Path(tmp) / kind
            folder.mkdir()
            frames = int(minutes * 60 * FPS)
            done = subprocess.run([sys.executable, __file__, "--child", kind, "--folder", str(folder), "--frames",
                                   str(frames), "--width", str(args.width), "--height", str(args.height),
                                   "--preset", args.preset], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{kind} run failed:\n{done.stderr[-3000:]}")
            run = json.loads(done.stdout.strip().splitlines()[-1])
            pts = {name: packet_pts(folder / f"{name}.mp4") for name in FEEDS[kind]}
            reference = pts["program"]
            run["frames_recorded"] = {name: len(values) for name, values in pts.items()}
            run["same_pts"] = all(values == reference for values in pts.values())
            run["cpu_ms_per_frame"] = run["cpu_s"] / frames * 1000
            run["speed_x_realtime"] = frames / FPS / run["wall_s"]
            runs[kind] = run
            print(f"{kind:9s} {minutes:5.2f} min media: {frames} frames, CPU {run['cpu_ms_per_frame']:.1f} ms/frame, "
                  f"wall {run['wall_s']:.0f} s ({run['speed_x_realtime']:.2f}x real time), "
                  f"recorded {run['frames_recorded']}, same pts in every file: {run['same_pts']}")
        runs["keyfill"]["keyed_vs_program"] = keyed_error(Path(tmp) / "keyfill", args.sample_every)
        results["runs"] = runs
    ratio = runs["keyfill"]["cpu_ms_per_frame"] / runs["baseline"]["cpu_ms_per_frame"]
    results["cpu_ratio_keyfill_vs_baseline"] = ratio
    print(f"key & fill vs program only: {ratio:.2f}x CPU per frame (two more outputs, two more H.264 encodes)")
    print(f"fill keyed over camera vs program (decoded, luma): {runs['keyfill']['keyed_vs_program']}")
    out = Path(__file__).parent / "results" / "key_fill.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
