"""Capacity: how many live tables one machine carries in real time (the question a festival asks first).

Each table is a whole live-table graph as its own `ggp run` process (one process per table, as a
deployment would run them). Profiles (`--profile`):

* `720` (default): `graphs/demo.yaml` at 1280x720 — simulated RFID table (video, card reads, operator
  actions) -> rules.poker (state, equity) -> render.overlay -> x264 veryfast -> HLS + an mp4 recording.
  Issue #21's target: >= 4 tables on 2 cores.
* `1080-delay`: `graphs/live-and-delayed.yaml` at 1920x1080 — the same table and rules feeding two
  overlays and two x264 veryfast encoders: a venue/live output and a broadcast output through
  `delay.secure` (5 s), each recorded to an mp4. Target: >= 2 tables.

For 1, 2, 3, ... tables at once (up to --max-tables, stopping at the first count that fails) it runs them for
--seconds of media time and checks every table held real time: every encoder encoded all frames (>= 98%),
no drops, the run not later than its media time (+3%, + 1 s for start and drain, + the delay), and p99
latency <= 100 ms at every output (`latency_us` at the sink: from the source's emit, or for a delayed
output from the delay's release, to the packet taken by the muxer). Prints per count the tables' fps, CPU
per table (cores, and ms per frame), p99 latency, the load average, and the p99 latency at each stage
(source emit -> that node), worst table, which shows where a tail comes from; then the largest count that held.

    .venv/bin/python benchmarks/bench_capacity.py [--profile 720|1080-delay] [--seconds 60] [--max-tables 6]
                                                  [--stagger S]

`--stagger S` starts the tables S seconds apart, as an operator brings a festival's tables on air one after
another, instead of all in the same second (the default, the harshest case: every table's imports and setup,
1.5-2 CPU-s each, land on the first frames of the others). Each table is still judged over its whole run, so
the tables already on air are judged while the later ones start.

On a shared machine the count is pessimistic (other work takes cores); CPU per table is what carries over.
Writes benchmarks/results/capacity.json (capacity-1080-delay.json for that profile).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FPS = 30.0
LATENCY_LIMIT_MS = 100.0


@dataclass(frozen=True)
class Profile:
    """One kind of live table: its graph, size, and which nodes count frames and carry output latency."""

    graph: Path
    size: tuple[int, int]
    encoders: tuple[str, ...]  # nodes whose messages_out are the encoded frames
    outputs: dict[str, str]  # sink node -> its path parameter ("path" for a file, "folder" for HLS)
    target: int  # tables the issue asks for
    delay_s: float = 0.0  # the graph's delay.secure: a delayed output drains this much after the media time

    def sinks(self) -> list[str]:
        """The output nodes whose latency must hold."""
        return list(self.outputs)


PROFILES = {
    "720": Profile(REPO / "graphs" / "demo.yaml", (1280, 720), ("enc",), {"mp4": "path", "hls": "folder"}, 4),
    "1080-delay": Profile(REPO / "graphs" / "live-and-delayed.yaml", (1920, 1080), ("live_enc", "delayed_enc"),
                          {"venue": "path", "broadcast": "path"}, 2, delay_s=5.0),
}


#: extra `--set NODE.PARAM=VALUE` for every table (`--set` on the command line: what-if runs)
EXTRA_SETS: list[str] = []


def start_table(profile: Profile, index: int, folder: Path, seconds: float,
                size: tuple[int, int]) -> subprocess.Popen[bytes]:
    """One table's graph as a `ggp run` process (outputs and stats under `folder`)."""
    ggp = str(Path(sys.executable).with_name("ggp"))
    command = [ggp, "-q", "run", str(profile.graph), "--duration", str(seconds),
               "--stats-json", str(folder / f"table{index}.json"),
               "--set", f"table.width={size[0]}", "--set", f"table.height={size[1]}",
               "--set", "table.max_hands=8", "--set", f"rules.table=table-{index}"]
    for sink, param in profile.outputs.items():
        target = folder / (f"{sink}{index}.mp4" if param == "path" else f"{sink}{index}")
        command += ["--set", f"{sink}.{param}={target}"]
    for assignment in EXTRA_SETS:
        command += ["--set", assignment]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stage_tails(nodes: dict[str, Any]) -> dict[str, float]:
    """p99 latency (ms) from the source's emit to each node taking its message, in the stats' node order."""
    return {nid: float(n.get("latency_us", {}).get("p99", 0.0)) / 1000 for nid, n in nodes.items()
            if n.get("latency_us", {}).get("count", 0)}


def run_count(profile: Profile, count: int, seconds: float, size: tuple[int, int],
              stagger_s: float = 0.0) -> dict[str, Any]:
    """Run `count` tables at once (started `stagger_s` apart); per-table numbers and whether all held real time."""
    folder = Path(tempfile.mkdtemp(prefix=f"ggp-capacity-{count}-"))
    load_before = os.getloadavg()[0]
    try:
        began = time.perf_counter()
        procs = []
        for i in range(count):
            if i and stagger_s > 0:
                time.sleep(stagger_s)
            procs.append(start_table(profile, i, folder, seconds, size))
        tables: list[dict[str, Any]] = []
        for index, proc in enumerate(procs):
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            stats_path = folder / f"table{index}.json"
            stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
            nodes = stats.get("nodes", {})
            frames = min((int(nodes.get(enc, {}).get("messages_out", 0)) for enc in profile.encoders), default=0)
            drops = sum(int(n.get("drops", 0)) for n in nodes.values())
            latency = {sink: nodes.get(sink, {}).get("latency_us", {}) for sink in profile.sinks()}
            p99_ms = max(float(lat.get("p99", 0.0)) for lat in latency.values()) / 1000
            p50_ms = max(float(lat.get("p50", 0.0)) for lat in latency.values()) / 1000
            elapsed = float(stats.get("elapsed_s", 0.0))
            cpu_s = usage.ru_utime + usage.ru_stime
            expected = seconds * FPS
            held = (proc.returncode == 0 and frames >= 0.98 * expected and drops == 0 and p99_ms <= LATENCY_LIMIT_MS
                    and elapsed <= seconds * 1.03 + 1.0 + profile.delay_s)
            # cores while the table ran: a delayed output's drain after the media time costs next to nothing
            tables.append({"exit": proc.returncode, "frames": frames, "expected_frames": expected, "drops": drops,
                           "elapsed_s": elapsed, "cpu_s": cpu_s, "cores": cpu_s / max(elapsed - profile.delay_s, 1e-9),
                           "cpu_ms_per_frame": cpu_s / max(frames, 1) * 1000, "latency_p50_ms": p50_ms,
                           "latency_p99_ms": p99_ms, "stage_p99_ms": stage_tails(nodes), "held": held,
                           "error": stderr.strip().splitlines()[-1] if proc.returncode and stderr.strip() else ""})
        wall = time.perf_counter() - began
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    stages: dict[str, float] = {}
    for table in tables:
        for nid, value in table["stage_p99_ms"].items():
            stages[nid] = max(stages.get(nid, 0.0), value)
    return {"tables": count, "wall_s": wall, "held": all(t["held"] for t in tables), "per_table": tables,
            "cpu_ms_per_frame": sum(t["cpu_ms_per_frame"] for t in tables) / count,
            "cores_per_table": sum(t["cores"] for t in tables) / count,
            "latency_p99_ms": max(t["latency_p99_ms"] for t in tables),
            "stage_p99_ms": stages, "load_average": [load_before, os.getloadavg()[0]],
            "fps_min": min(t["frames"] / max(t["elapsed_s"] - profile.delay_s, 1e-9) for t in tables)}


def main() -> None:
    """Find the largest table count that holds real time; print CPU per table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="720", help="which live table (default 720)")
    parser.add_argument("--seconds", type=float, default=60.0, help="media time per run (default 60)")
    parser.add_argument("--max-tables", type=int, default=6, help="stop after this many tables (default 6)")
    parser.add_argument("--min-tables", type=int, default=1,
                        help="start the search at this many tables (default 1; what-if runs of one count)")
    parser.add_argument("--stagger", type=float, default=0.0,
                        help="seconds between table starts (default 0: all in the same second)")
    parser.add_argument("--set", action="append", default=[], metavar="NODE.PARAM=VALUE",
                        help="also set this on every table (repeatable), e.g. rules.equity=false")
    parser.add_argument("--size", default=None, help="table video size WIDTHxHEIGHT (default: the profile's)")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    EXTRA_SETS.extend(args.set)
    width, height = profile.size
    if args.size:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            parser.error(f"--size wants WIDTHxHEIGHT, got {args.size!r}")
    if args.seconds <= 0 or args.max_tables < 1 or not 0 <= args.stagger <= args.seconds:
        parser.error("--seconds must be > 0, --max-tables >= 1 and --stagger within 0..--seconds")
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    print(f"capacity ({args.profile}): {width}x{height}@{FPS:.0f} live tables ({profile.graph.relative_to(REPO)}, "
          f"outputs {', '.join(profile.outputs)}), {args.seconds:.0f} s each, {cores} cores, load average "
          f"{load:.1f} at start, "
          + (f"tables started {args.stagger:g} s apart" if args.stagger else "all tables started at once")
          + (f", with {' '.join(args.set)}" if args.set else ""))
    # one untimed table first, as an installed copy would have had: Numba's kernel cache and $GGP_HOME/cache
    # (the hand evaluator's tables, seconds to build) filled; a fresh $GGP_HOME made every table build them
    run_count(profile, 1, 2.0, (width, height))
    print(" tables | held | min fps | cores/table | CPU ms/frame | p99 latency ms | drops | load (start-end)")
    runs: list[dict[str, Any]] = []
    best = 0
    for count in range(max(1, args.min_tables), args.max_tables + 1):
        run = run_count(profile, count, args.seconds, (width, height), args.stagger)
        runs.append(run)
        drops = sum(t["drops"] for t in run["per_table"])
        print(f" {count:6d} | {'yes' if run['held'] else 'NO':4s} | {run['fps_min']:7.1f} | "
              f"{run['cores_per_table']:11.2f} | {run['cpu_ms_per_frame']:12.1f} | {run['latency_p99_ms']:14.1f} | "
              f"{drops:5d} | {run['load_average'][0]:.1f}-{run['load_average'][1]:.1f}")
        print("        p99 ms from the source's emit, by stage (worst table): "
              + ", ".join(f"{nid} {value:.1f}" for nid, value in run["stage_p99_ms"].items()))
        for table in run["per_table"]:
            if table["error"]:
                print(f"        table error: {table['error']}")
        if not run["held"]:
            break
        best = count
    # cores one table needs at real time: its CPU per frame x the frame rate (a table that fell behind used fewer)
    needed = runs[0]["cpu_ms_per_frame"] * FPS / 1000 if runs else 0.0
    model = cores / needed if needed > 0 else 0.0
    print(f"largest count holding real time: {best} (target >= {profile.target} on {cores} cores); one table alone "
          f"needs {needed:.2f} cores at {FPS:.0f} fps ({runs[0]['cpu_ms_per_frame']:.1f} CPU-ms per frame, start-up "
          f"included) -> {model:.1f} tables by CPU alone on {cores} cores")
    if load > 1.5:
        print(f"note: the machine was shared (load average {load:.1f}): the count is pessimistic, CPU per table is "
              "the figure that carries over")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("capacity.json" if args.profile == "720" else f"capacity-{args.profile}.json")
    if args.stagger:
        out = out.with_name(out.stem + f"-stagger{args.stagger:g}.json")
    out.write_text(json.dumps({"profile": args.profile, "size": f"{width}x{height}", "seconds": args.seconds,
                               "stagger_s": args.stagger,
                               "cores": cores, "load_average_at_start": load, "largest_held": best, "runs": runs},
                              indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
