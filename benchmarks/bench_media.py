"""Media benchmark: decode -> static RGBA overlay in YUV -> libx264 -> mp4, `ggp run` vs the ffmpeg CLI.

Same 10 s 1080p30 clip (generated with PyAV), same overlay layers (rendered by ggpgfx.render, written as
PNGs for ffmpeg's `overlay` filter), same preset and CRF, in one run. Prints ratios (ggp fps / ffmpeg fps)
and writes benchmarks/results/media.json.

    .venv/bin/python benchmarks/bench_media.py [--seconds 10] [--presets veryfast ultrafast] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
WORK = RESULTS / "media"
GRAPH = REPO / "benchmarks" / "graphs" / "media_overlay.yaml"
TIMEOUT_S = 300


def make_camera_clip(path: Path, seconds: float, width: int, height: int, fps: int) -> Path:
    """A clip with camera-like content (scrolling texture + bars + counter), so the encoder has real work."""
    from ggpgfx.media.av_convert import new_av_frame
    from ggpgfx.media.testclip import _bars, draw_counter

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    texture = rng.integers(0, 48, (height, width * 2), dtype=np.uint8)
    base = _bars(width, height)
    partial = path.with_name(path.name + ".part.mp4")
    with av.open(str(partial), "w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.options = {"preset": "ultrafast", "crf": "16"}
        stream.thread_type = "AUTO"
        for index in range(round(seconds * fps)):
            avf, views = new_av_frame(width, height)
            shift = (index * 6) % width
            np.add(base[0] // 2, texture[:, shift: shift + width], out=views[0])
            np.copyto(views[1], base[1])
            np.copyto(views[2], base[2])
            draw_counter(views[0], index)
            avf.pts, avf.time_base = index, Fraction(1, fps)
            out.mux(stream.encode(avf))
        out.mux(stream.encode(None))
    os.replace(partial, path)
    return path


def overlay_pngs(width: int, height: int) -> list[tuple[Path, int, int]]:
    """The graph's overlay layers (as render.overlay draws them) as PNG files with their positions."""
    import yaml
    from PIL import Image

    from ggpgfx.render.options import OverlayOptions
    from ggpgfx.render.scene import Scene

    params = yaml.safe_load(GRAPH.read_text())["nodes"]["gfx"]["params"]
    layers = Scene(OverlayOptions(**params), width, height).layers(None, 0)
    result = []
    for index, layer in enumerate(layers):
        png = WORK / f"layer_{index}.png"
        Image.fromarray(layer.rgba(), "RGBA").save(png)
        result.append((png, layer.x, layer.y))
    return result


def count_frames(path: Path) -> int:
    """Decoded video frames of a file."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def timed(command: list[str], **kwargs: Any) -> tuple[float, float]:
    """Run a command; (wall seconds, CPU seconds user+sys of the child and its threads)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, check=True, timeout=TIMEOUT_S, **kwargs)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: `ggp` as installed: Python may write and read its bytecode (a shell with PYTHONDONTWRITEBYTECODE=1 would
#: make every run compile ggpgfx's sources again, ~0.2 CPU-s of start-up no installed copy pays)
GGP_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run_ggp(clip: Path, preset: str, out: Path, frames: int | None = None) -> tuple[float, float]:
    """`ggp run` the graph (optionally only `frames` frames); (wall, CPU) seconds of the whole process."""
    wall, cpu, _ = _ggp(clip, preset, out, frames)
    return wall, cpu


def _ggp(clip: Path, preset: str, out: Path, frames: int | None,
         stats: Path | None = None) -> tuple[float, float, dict[str, Any]]:
    command = [str(Path(sys.executable).with_name("ggp")), "-q", "run", str(GRAPH), "--no-realtime",
               "--set", f"src.source={clip}", "--set", f"enc.preset={preset}", "--set", f"out.path={out}"]
    if frames is not None:
        command += ["--max-frames", str(frames), "--set", f"out.path={out.with_name(out.stem + '_startup.mp4')}"]
    if stats is not None:
        command += ["--stats-json", str(stats)]
    wall, cpu = timed(command, cwd=REPO, stdout=subprocess.DEVNULL, env=GGP_ENV)
    reported = json.loads(stats.read_text())["nodes"]["enc"].get("reported", {}) if stats is not None else {}
    return wall, cpu, reported


def first_packet_ggp(clip: Path, preset: str, out: Path) -> dict[str, float]:
    """Start-up to the first encoded packet: a 1-frame `ggp run`, timed whole, and the moment (wall since the
    launch, process CPU) encode.h264 released its first packet (its `first_packet_*` metrics)."""
    stats = WORK / "ggp_first_packet.json"
    launched = time.time()
    wall, cpu, reported = _ggp(clip, preset, out, 1, stats)
    return {"first_packet_wall_s": reported["first_packet_unix_s"] - launched,
            "first_packet_cpu_s": reported["first_packet_process_cpu_s"],
            "one_frame_run_wall_s": wall, "one_frame_run_cpu_s": cpu}


def run_ffmpeg(clip: Path, preset: str, out: Path, layers: list[tuple[Path, int, int]],
               frames: int | None = None) -> tuple[float, float]:
    """The same job with the ffmpeg CLI (overlay filter chain, same preset, CRF and GOP); (wall, CPU) s."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg is not installed (apt-get install ffmpeg)")
    inputs = ["-i", str(clip)]
    chain, last = [], "0:v"
    for index, (png, x, y) in enumerate(layers, start=1):
        inputs += ["-i", str(png)]
        label = f"v{index}"
        chain.append(f"[{last}][{index}:v]overlay={x}:{y}[{label}]")
        last = label
    limit = ["-frames:v", str(frames)] if frames is not None else []
    if frames is not None:
        out = out.with_name(out.stem + "_startup.mp4")
    command = [ffmpeg, "-y", "-hide_banner", "-loglevel", "error", *inputs, "-filter_complex", ";".join(chain),
               "-map", f"[{last}]", *limit, "-c:v", "libx264", "-preset", preset, "-crf", "23", "-g", "60", "-an",
               str(out)]
    return timed(command)


def first_packet_ffmpeg(clip: Path, preset: str, out: Path, layers: list[tuple[Path, int, int]]) -> dict[str, float]:
    """ffmpeg's start-up to its first packet: the whole `-frames:v 1` run (an upper bound: exit included)."""
    wall, cpu = run_ffmpeg(clip, preset, out, layers, 1)
    return {"one_frame_run_wall_s": wall, "one_frame_run_cpu_s": cpu}


def summarize(side: str, full: list[tuple[float, float]], short: list[tuple[float, float]],
              frames: int) -> dict[str, float]:
    """Best wall and CPU time of full runs and of 2-frame runs (start-up: imports, setup, headers).

    Steady fps leaves start-up out; fps per CPU-second is what a shared, loaded machine can compare
    fairly, since wall time there depends on the other users' load.
    """
    wall, cpu = min(w for w, _ in full), min(c for _, c in full)
    short_wall, short_cpu = min(w for w, _ in short), min(c for _, c in short)
    return {f"{side}_wall_s": wall, f"{side}_cpu_s": cpu, f"{side}_startup_wall_s": short_wall,
            f"{side}_startup_cpu_s": short_cpu, f"{side}_fps": frames / wall,
            f"{side}_steady_fps": (frames - 2) / max(wall - short_wall, 1e-6),
            f"{side}_fps_per_cpu_s": frames / cpu,
            f"{side}_steady_fps_per_cpu_s": (frames - 2) / max(cpu - short_cpu, 1e-6)}


def main() -> None:
    """Run both sides per preset, print ratios, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--presets", nargs="+", default=["veryfast", "ultrafast"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per side and preset (the best is kept)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    fps = 30
    clip = make_camera_clip(WORK / f"clip_{args.height}p{fps}_{args.seconds:g}s.mp4", args.seconds, args.width,
                            args.height, fps)
    frames = count_frames(clip)
    layers = overlay_pngs(args.width, args.height)
    results: dict[str, Any] = {
        "clip": {"path": str(clip.relative_to(REPO)), "frames": frames, "size": f"{args.width}x{args.height}"},
        "overlay_layers": [{"x": x, "y": y, "png": png.name} for png, x, y in layers],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "pyav": av.__version__,
                    "ffmpeg_cli": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                                                 timeout=30).stdout.split("\n")[0]},
        "load_average_before": os.getloadavg(),
        "presets": {},
    }
    print(f"clip {args.width}x{args.height} {frames} frames; overlay layers {[(x, y) for _, x, y in layers]}")
    # one untimed run first, as an installed copy would have had: bytecode written, Numba's cache filled
    run_ggp(clip, args.presets[0], WORK / "ggp_warm_up.mp4", 2)
    for preset in args.presets:
        ggp_out, ff_out = WORK / f"ggp_{preset}.mp4", WORK / f"ffmpeg_{preset}.mp4"
        runs: dict[str, list[tuple[float, float]]] = {"ggp": [], "ffmpeg": [], "ggp2": [], "ffmpeg2": []}
        firsts: dict[str, list[dict[str, float]]] = {"ggp": [], "ffmpeg": []}
        for _ in range(max(1, args.repeat)):  # interleaved, so drifting machine load hits both sides alike
            runs["ggp"].append(run_ggp(clip, preset, ggp_out))
            runs["ffmpeg"].append(run_ffmpeg(clip, preset, ff_out, layers))
            runs["ggp2"].append(run_ggp(clip, preset, ggp_out, 2))
            runs["ffmpeg2"].append(run_ffmpeg(clip, preset, ff_out, layers, 2))
            firsts["ggp"].append(first_packet_ggp(clip, preset, ggp_out))
            firsts["ffmpeg"].append(first_packet_ffmpeg(clip, preset, ff_out, layers))
        row = summarize("ggp", runs["ggp"], runs["ggp2"], frames) | \
            summarize("ffmpeg", runs["ffmpeg"], runs["ffmpeg2"], frames)
        for side, measured in firsts.items():  # best of the runs, per figure
            for key in measured[0]:
                row[f"{side}_{key}"] = min(m[key] for m in measured)
        row["ggp_frames"], row["ffmpeg_frames"] = count_frames(ggp_out), count_frames(ff_out)
        row["ggp_mb"], row["ffmpeg_mb"] = ggp_out.stat().st_size / 1e6, ff_out.stat().st_size / 1e6
        for name in ("fps", "steady_fps", "fps_per_cpu_s", "steady_fps_per_cpu_s"):
            row[f"ratio_{name}"] = row[f"ggp_{name}"] / row[f"ffmpeg_{name}"]
        results["presets"][preset] = row
        print(f"{preset:>10}: ggp/ffmpeg | wall fps {row['ggp_fps']:5.1f}/{row['ffmpeg_fps']:5.1f} = "
              f"{row['ratio_fps']:.2f}x | steady wall fps {row['ggp_steady_fps']:5.1f}/{row['ffmpeg_steady_fps']:5.1f}"
              f" = {row['ratio_steady_fps']:.2f}x | steady fps per CPU-s {row['ggp_steady_fps_per_cpu_s']:5.1f}/"
              f"{row['ffmpeg_steady_fps_per_cpu_s']:5.1f} = {row['ratio_steady_fps_per_cpu_s']:.2f}x | whole fps "
              f"per CPU-s {row['ggp_fps_per_cpu_s']:5.1f}/{row['ffmpeg_fps_per_cpu_s']:5.1f} = "
              f"{row['ratio_fps_per_cpu_s']:.2f}x | start-up {row['ggp_startup_wall_s']:.2f}/"
              f"{row['ffmpeg_startup_wall_s']:.2f} s wall, {row['ggp_startup_cpu_s']:.2f}/"
              f"{row['ffmpeg_startup_cpu_s']:.2f} CPU-s | frames "
              f"{row['ggp_frames']:.0f}/{row['ffmpeg_frames']:.0f}")
        print(f"{'':>10}  first packet: ggp {row['ggp_first_packet_wall_s']:.2f} s wall, "
              f"{row['ggp_first_packet_cpu_s']:.2f} CPU-s (in the process); 1-frame run ggp "
              f"{row['ggp_one_frame_run_wall_s']:.2f} s / {row['ggp_one_frame_run_cpu_s']:.2f} CPU-s, ffmpeg -frames:v 1 "
              f"{row['ffmpeg_one_frame_run_wall_s']:.2f} s / {row['ffmpeg_one_frame_run_cpu_s']:.2f} CPU-s | "
              f"load {os.getloadavg()[0]:.1f}")
    results["load_average_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "media.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {RESULTS / 'media.json'}")


if __name__ == "__main__":
    main()
