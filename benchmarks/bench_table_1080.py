"""One 1080p live-and-delayed table, this tree against a baseline commit: CPU per frame by node, same pixels.

`graphs/live-and-delayed.yaml` at 1920x1080 (the `1080-delay` profile of bench_capacity.py: a simulated table,
two overlays, two x264 veryfast encoders, a secure delay), run in real time as `ggp run` processes, baseline and
this tree interleaved (A B A B ...). Prints per node the mean `process_us` (ms per message), the whole process's
CPU (getrusage of the child: ms per frame and cores), each round and then the median round's, with the ratios
this tree / baseline.

`--check-frames N` first drives the same nodes of both trees by hand, one message at a time (NodeHarness: the
table's frames, the rules' states without equity, a countdown every second, each camera frame shared with both
overlays as the runtime shares it), so both trees see the same inputs in the same order, and fails unless every
one of the N frames of both overlays' outputs is the same, byte for byte. (An offline `ggp run` is not the same
twice: states and the delay's wall-clock countdown reach the overlays at frames that vary from run to run.)

    .venv/bin/python benchmarks/bench_table_1080.py [--baseline main] [--seconds 30] [--rounds 2]
                                                    [--check-frames 300]

The baseline is `git archive`d into a temporary folder and imported from there (`TREE_FIRST`).
Writes benchmarks/results/table_1080.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GRAPH = REPO / "graphs" / "live-and-delayed.yaml"
SIZE = ("table.width=1920", "table.height=1080")
FRAME_NODES = ("live_gfx", "delayed_gfx")


def checkout(ref: str, into: Path) -> Path:
    """The files of commit `ref` of this repository, extracted under `into`."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


#: run ahead of a child's code for the baseline: its packages (ggpgfx, and the node pack an installed ggpgfx maps
#: as ggpgfx.nodes) come from the tree named by the first argument, whatever this environment installed
TREE_FIRST = """
import sys
from importlib.util import spec_from_file_location
class _Tree:
    root = sys.argv.pop(1)
    folders = {"ggpgfx": "ggpgfx", "ggpgfx.nodes": "nodes", "ggpgfx.operators_gpu": "operators_gpu"}
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in cls.folders:
            return None
        folder = cls.root + "/" + cls.folders[name]
        return spec_from_file_location(name, folder + "/__init__.py", submodule_search_locations=[folder])
sys.meta_path.insert(0, _Tree)
"""


def python(tree: Path | None, code: str) -> list[str]:
    """A command running `code` on `tree`'s packages (this tree's when None); arguments follow it."""
    return [sys.executable, "-c", code] if tree is None else [sys.executable, "-c", TREE_FIRST + code, str(tree)]


def timed_run(tree: Path | None, folder: Path, seconds: float, tag: str) -> dict[str, Any]:
    """One real-time run of the table: node means from its stats, CPU of the whole process."""
    stats = folder / f"{tag}.json"
    command = [*python(tree, "import sys; from ggpgfx.cli import main; sys.argv[0] = 'ggp'; sys.exit(main())"), "-q", "run", str(GRAPH), "--duration", str(seconds),
               "--stats-json", str(stats), "--set", "table.max_hands=8",
               "--set", f"venue.path={folder / (tag + '-venue.mp4')}",
               "--set", f"broadcast.path={folder / (tag + '-broadcast.mp4')}"]
    for assignment in SIZE:
        command += ["--set", assignment]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tree or REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tag}: ggp run failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    nodes = json.loads(stats.read_text())["nodes"]
    frames = int(nodes["live_enc"]["messages_out"])
    cpu_s = usage.ru_utime + usage.ru_stime
    return {"frames": frames, "cpu_s": cpu_s, "cpu_ms_per_frame": cpu_s / max(frames, 1) * 1000,
            "cores": cpu_s / seconds,
            "node_ms": {nid: float(n.get("process_us", {}).get("mean", 0.0)) / 1000 for nid, n in nodes.items()}}


DIGEST_SCRIPT = """
import hashlib, json, sys
import yaml
from ggpgfx.graph.registry import get_node_type
from ggpgfx.testing import NodeHarness
from ggpgfx.types import DelayCountdown

graph = yaml.safe_load(open(sys.argv[1]))["nodes"]
frames, names = int(sys.argv[2]), sys.argv[3].split(",")
table = NodeHarness(get_node_type("ingest.table_sim"), {**graph["table"]["params"], "width": 1920, "height": 1080,
                                                         "max_hands": 8})
rules = NodeHarness(get_node_type("rules.poker"), {"equity": False})
overlays = {name: NodeHarness(get_node_type("render.overlay"), graph[name]["params"], node_id=name) for name in names}
digests = {name: [] for name in names}


def drain(harness, port):
    out = [msg for name, msg in harness.outputs.sequence if name == port]
    harness.outputs.sequence.clear()
    for payloads in harness.outputs.values():
        payloads.clear()
    return out


for index in range(frames):
    if not table.tick():
        break
    emitted = list(table.outputs.sequence)
    drain(table, "")
    for port, msg in emitted:
        if port in ("reads", "actions"):
            rules.send(port, msg.payload, msg.pts)
    for msg in drain(rules, "state"):
        for overlay in overlays.values():
            overlay.send("state", msg.payload, msg.pts)
    [camera] = [msg for port, msg in emitted if port == "video"]
    camera.payload.share()  # as the runtime sends a frame to two consumers
    if index % 30 == 0:
        left = max(0.0, 5.0 - index / 30)
        overlays[names[0]].send("countdown", DelayCountdown(delay_s=5.0, remaining_s=left,
                                state="buffering" if left else "live"), camera.pts)
    for name, overlay in overlays.items():
        overlay.send("video", camera.payload, camera.pts)
        [out] = drain(overlay, "video")
        digest = hashlib.sha256(str((camera.pts, out.payload.width, out.payload.height)).encode())
        for plane in out.payload.planes:
            digest.update(plane.tobytes())
        digests[name].append(digest.hexdigest())
print(json.dumps(digests))
"""


def frame_digests(tree: Path | None, frames: int) -> dict[str, list[str]]:
    """Digests of every frame of each overlay's output, the nodes driven by hand."""
    done = subprocess.run([*python(tree, DIGEST_SCRIPT), str(GRAPH), str(frames), ",".join(FRAME_NODES)],
                          capture_output=True, text=True, cwd=tree or REPO)
    if done.returncode != 0:
        raise SystemExit(f"frame check failed to run: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    """A/B the table and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--check-frames", type=int, default=0, help="first compare N offline frames of both trees")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ggp-table1080-"))
    try:
        base = checkout(args.baseline, work / "base")
        result: dict[str, Any] = {"baseline": args.baseline, "seconds": args.seconds}
        if args.check_frames:
            before = frame_digests(base, args.check_frames)
            after = frame_digests(None, args.check_frames)
            same = {node: before[node] == after[node] for node in FRAME_NODES}
            counts = {node: (len(before[node]), len(after[node])) for node in FRAME_NODES}
            print(f"frame check, {args.check_frames} offline frames: " + ", ".join(
                f"{node} {'identical' if same[node] else 'DIFFERENT'} ({counts[node][0]} vs {counts[node][1]} frames, "
                f"{len(set(after[node]))} different pictures)"
                for node in FRAME_NODES))
            result["frames_identical"] = same
            if not all(same.values()):
                differ = {node: [i for i, (a, b) in enumerate(zip(before[node], after[node], strict=False)) if a != b]
                          for node in FRAME_NODES}
                raise SystemExit(f"frames differ (first at {({n: d[:5] for n, d in differ.items()})})")
        for name, tree in (("baseline", base), ("this", None)):  # not timed: the baseline's kernels compile
            timed_run(tree, work, 8.0, f"warm-{name}")  # to the first equity: Numba compiles a new path
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this": []}
        for round_index in range(args.rounds):
            for name, tree in (("baseline", base), ("this", None)):
                run = timed_run(tree, work, args.seconds, f"{name}{round_index}")
                runs[name].append(run)
                print(f"round {round_index + 1} {name:8s}: {run['cpu_ms_per_frame']:.2f} ms CPU/frame "
                      f"({run['cores']:.2f} cores), " + ", ".join(
                          f"{nid} {ms:.2f}" for nid, ms in run["node_ms"].items() if ms >= 0.05), flush=True)
        result["runs"] = runs

        def mean(name: str, key: str, node: str | None = None) -> float:
            # the median round: a round that lands on a burst of other work (or a kernel compiling) is left out
            return statistics.median(r["node_ms"][node] if node else r[key] for r in runs[name])

        print(f"\n{'':14s}{'baseline':>10s}{'this':>10s}{'this/base':>11s}")
        rows = [("process CPU", mean("baseline", "cpu_ms_per_frame"), mean("this", "cpu_ms_per_frame"))]
        rows += [(nid, mean("baseline", "", nid), mean("this", "", nid)) for nid in runs["baseline"][0]["node_ms"]]
        for label, a, b in rows:
            print(f"{label:14s}{a:10.2f}{b:10.2f}{b / a if a else 0.0:11.2f}")
        result["ms_per_frame"] = {label: {"baseline": a, "this": b} for label, a, b in rows}
        out = REPO / "benchmarks" / "results" / "table_1080.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
