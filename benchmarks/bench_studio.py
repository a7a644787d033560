"""Studio benchmark: re-rendering a recorded 720p30 session vs ffmpeg overlaying pre-rendered PNGs, the
graphics alone at 1080p with alpha, and Ray Data with 1 vs 2 workers, in one run.

1. Records a session with publish.studio (table_sim demo table, 1280x720 at 30 fps; `--minutes`, default 1;
   `--minutes 10` is the target's 10-minute session).
2. `ggp studio` re-render of every hand (graphics + H.264 veryfast), one process, vs the ffmpeg CLI doing the
   same overlay over the same ISO from PNGs pre-rendered (not timed) by our renderer: ratio = ffmpeg wall /
   our wall, both also as x real time and CPU ms per frame.
3. Graphics only at 1920x1080 with alpha (QuickTime Animation .mov), one process: x real time, CPU ms/frame,
   side by side with the first version (every frame drawn in full into a new frame, qtrle's default key frame
   every 12 frames) in the same run, and the ratio.
4. The re-render on Ray Data with 1 and 2 workers (embedded local Ray).

    .venv/bin/python benchmarks/bench_studio.py [--minutes 1] [--parts rerender,alpha,ray] [--keep]

Writes benchmarks/results/studio.json. Numbers depend on the machine's load: say how loaded it was.
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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
WORK = RESULTS / "studio"


def record(folder: Path, minutes: float) -> Path:
    """A session of about `minutes` at 720p30: the demo table with hands back to back, ISO crf 18."""
    from ggpgfx.api import Graph

    if (folder / "manifest.json").is_file() and json.loads((folder / "manifest.json").read_text())["complete"]:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    g = Graph("bench-studio", fps=30, realtime=False)
    # the 7 shipped PHH hands last under 3 minutes at these intervals: a longer session plays seeded random hands
    source = "phh" if minutes <= 2.5 else "random"
    g.add("ingest.table_sim", id="table", width=1280, height=720, max_hands=1000, action_interval_s=0.8,
          end_pause_s=3.0, name_plates=False, hole_cards="down", source=source)
    g.add("rules.poker", id="rules", table="bench")
    g.add("render.overlay", id="gfx", skin="broadcast", reveal="delayed", in_place=False,
          ticker="GGP GFX studio benchmark - re-rendered from the event log")
    g.add("sink.null", id="program")
    g.add("publish.studio", id="studio", folder=str(folder), crf=18, preset="veryfast")
    for edge in ("table.video -> gfx.video", "table.video -> studio.video", "table.reads -> rules.reads",
                 "table.actions -> rules.actions", "rules.state -> gfx.state", "rules.events -> studio.events",
                 "gfx.scene -> studio.scene", "gfx.video -> program.inp"):
        g.connect(*[part.strip() for part in edge.split("->")])
    g.run(max_frames=round(minutes * 60 * 30))
    frames = json.loads((folder / "manifest.json").read_text())["frames"]
    if frames < minutes * 60 * 30 * 0.95:
        print(f"warning: the session has {frames} frames, not the {round(minutes * 1800)} asked for", file=sys.stderr)
    return folder


def cpu_s(children: bool = False) -> float:
    """User + system CPU seconds of this process (or of its finished children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ours(folder: Path, out: Path, **settings: Any) -> dict[str, Any]:
    """Every hand rendered in this process, one after another."""
    from ggpgfx.studio.jobs import render_session
    from ggpgfx.studio.render import RenderSettings

    shutil.rmtree(out, ignore_errors=True)
    started, cpu = time.perf_counter(), cpu_s()
    job = render_session(folder, [h.number for h in _hands(folder)], out, RenderSettings(**settings), reel=False,
                         timeline=None)
    wall, used = time.perf_counter() - started, cpu_s() - cpu
    frames = sum(c.frames for c in job.clips if c.ok)
    assert not job.failed, job.failed
    return {"frames": frames, "wall_s": round(wall, 2), "cpu_ms_per_frame": round(used / frames * 1000, 2),
            "x_realtime": round(frames / 30 / wall, 2)}


def _hands(folder: Path) -> list[Any]:
    from ggpgfx.studio.session import Session

    return Session(folder).hands()


def pngs_for_ffmpeg(folder: Path, out: Path) -> tuple[int, int]:
    """The hands' graphics as one RGBA PNG sequence over the hands' frames (what ffmpeg overlays); not timed."""
    from ggpgfx.render.record import SceneReplay
    from ggpgfx.studio.render import RenderSettings as Settings
    from ggpgfx.studio.render import _graphics_canvas, _options
    from ggpgfx.studio.session import Session

    session = Session(folder)
    hands = session.hands()
    first, end = hands[0].start_frame, hands[-1].end_frame
    if out.is_dir() and len(list(out.glob("*.png"))) == end - first:
        return first, end
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    options, (width, height) = _options(session, Settings())
    replay = SceneReplay(session.calls, options, width, height, first_pts=session.first_pts)
    for number, index in enumerate(range(first, end)):
        _graphics_canvas(replay, int(session.frame_pts[index]), width, height).save(out / f"g-{number:06d}.png",
                                                                                   compress_level=1)
    return first, end


def ffmpeg(folder: Path, pngs: Path, first: int, end: int, out: Path) -> dict[str, Any]:
    """The same overlay with the ffmpeg CLI: ISO frames first..end, PNG graphics, libx264 veryfast crf 18."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = ["ffmpeg", "-y", "-loglevel", "error", "-i", str(folder / "iso.mp4"), "-framerate", "30",
               "-i", str(pngs / "g-%06d.png"), "-filter_complex",
               f"[0:v]trim=start_frame={first}:end_frame={end},setpts=PTS-STARTPTS[cam];[cam][1:v]overlay=0:0"
               ":format=yuv420[v]", "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
               "-pix_fmt", "yuv420p", str(out)]
    started, cpu = time.perf_counter(), cpu_s(children=True)
    subprocess.run(command, check=True, timeout=3600)
    wall, used = time.perf_counter() - started, cpu_s(children=True) - cpu
    frames = end - first
    return {"frames": frames, "wall_s": round(wall, 2), "cpu_ms_per_frame": round(used / frames * 1000, 2),
            "x_realtime": round(frames / 30 / wall, 2), "command": " ".join(command)}


def on_ray(folder: Path, out: Path, workers: int) -> dict[str, Any]:
    """Every hand on Ray Data with `workers` at a time (includes Ray's start-up, reported apart)."""
    import ray

    from ggpgfx.studio.jobs import render_session
    from ggpgfx.studio.render import RenderSettings

    hands = [h.number for h in _hands(folder)]
    shutil.rmtree(out, ignore_errors=True)
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    began = time.perf_counter()
    ray.init(address="local", num_cpus=workers, include_dashboard=False, logging_level="ERROR", log_to_driver=False,
             _temp_dir="/tmp/ggpray-bench-studio")
    startup = time.perf_counter() - began
    try:
        started = time.perf_counter()
        job = render_session(folder, hands, out, RenderSettings(), workers=workers, executor="ray", reel=False,
                             timeline=None)
        wall = time.perf_counter() - started
    finally:
        ray.shutdown()
    frames = sum(c.frames for c in job.clips if c.ok)
    return {"workers": workers, "frames": frames, "wall_s": round(wall, 2), "ray_start_s": round(startup, 2),
            "x_realtime": round(frames / 30 / wall, 2), "failed": [c.hand for c in job.failed]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=1.0,
                        help="session length in minutes (default 1; the target is about a 10-minute session)")
    parser.add_argument("--skip-ray", action="store_true", help="leave out the Ray Data 1 vs 2 workers part")
    parser.add_argument("--parts", default="rerender,alpha,ray",
                        help="comma list of rerender (ours vs ffmpeg), alpha, ray (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the rendered files under benchmarks/results/studio")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    folder = WORK / f"session-{args.minutes:g}min"
    began = time.perf_counter()
    record(folder, args.minutes)
    result: dict[str, Any] = {"minutes": args.minutes, "record_s": round(time.perf_counter() - began, 1),
                              "cpus": os.cpu_count(), "load_avg": os.getloadavg(), "python": platform.python_version(),
                              "hands": len(_hands(folder))}
    parts = set(args.parts.split(","))
    if "rerender" in parts:
        first, end = pngs_for_ffmpeg(folder, WORK / "pngs")
        result["ffmpeg"] = ffmpeg(folder, WORK / "pngs", first, end, WORK / "ffmpeg.mp4")
        result["ours"] = ours(folder, WORK / "ours", preset="veryfast", crf=18.0)
        result["ratio_ours_vs_ffmpeg"] = round(result["ffmpeg"]["wall_s"] / result["ours"]["wall_s"], 2)
        result["ratio_cpu_ffmpeg_vs_ours"] = round(result["ffmpeg"]["cpu_ms_per_frame"] /
                                                   result["ours"]["cpu_ms_per_frame"], 2)
    if "alpha" in parts:
        # the first version (full redraw of every frame into a new frame, qtrle's default GOP of 12 frames)
        # and today's (only what changed redrawn, two frames in turn, a key frame every 2 s), same run
        result["graphics_only_1080p_full_redraw"] = ours(folder, WORK / "alpha", graphics_only=True,
                                                         size=(1920, 1080), incremental=False, keyint_s=12 / 30)
        result["graphics_only_1080p"] = ours(folder, WORK / "alpha", graphics_only=True, size=(1920, 1080))
        old, new = result["graphics_only_1080p_full_redraw"], result["graphics_only_1080p"]
        result["ratio_alpha_new_vs_full_redraw"] = {"wall": round(old["wall_s"] / new["wall_s"], 2),
                                                    "cpu": round(old["cpu_ms_per_frame"] / new["cpu_ms_per_frame"], 2)}
        result["graphics_only_x_realtime_by_cpu_one_core"] = round(1000 / 30 / new["cpu_ms_per_frame"], 2)
    if "ray" in parts and not args.skip_ray:
        result["ray"] = [on_ray(folder, WORK / f"ray{n}", n) for n in (1, 2)]
        result["ray_speedup_2_vs_1"] = round(result["ray"][0]["wall_s"] / result["ray"][1]["wall_s"], 2)
    result["load_avg_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"studio-{'-'.join(sorted(parts))}.json" if parts != {"rerender", "alpha", "ray"}
     else RESULTS / "studio.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if "ours" in result:
        print(f"re-render 720p30 + H.264 veryfast: {result['ours']['x_realtime']}x real time "
              f"({result['ours']['cpu_ms_per_frame']} ms CPU/frame); ffmpeg overlay from PNGs: "
              f"{result['ffmpeg']['x_realtime']}x ({result['ffmpeg']['cpu_ms_per_frame']} ms CPU/frame); "
              f"ratio {result['ratio_ours_vs_ffmpeg']}x wall, {result['ratio_cpu_ffmpeg_vs_ours']}x CPU",
              file=sys.stderr)
    if "graphics_only_1080p" in result:
        old, new = result["graphics_only_1080p_full_redraw"], result["graphics_only_1080p"]
        print(f"graphics only 1080p alpha: {new['x_realtime']}x real time wall, {new['cpu_ms_per_frame']} ms CPU/frame "
              f"({result['graphics_only_x_realtime_by_cpu_one_core']}x real time by CPU on one core); full redraw "
              f"{old['x_realtime']}x wall, {old['cpu_ms_per_frame']} ms CPU/frame; ratio "
              f"{result['ratio_alpha_new_vs_full_redraw']['wall']}x wall, "
              f"{result['ratio_alpha_new_vs_full_redraw']['cpu']}x CPU", file=sys.stderr)
    if "ray" in result:
        print(f"Ray Data 1 vs 2 workers: {result['ray'][0]['wall_s']} s vs {result['ray'][1]['wall_s']} s "
              f"({result['ray_speedup_2_vs_1']}x)", file=sys.stderr)
    if not args.keep:
        for name in ("ours", "alpha", "ray1", "ray2", "pngs", "ffmpeg.mp4"):
            target = WORK / name
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
