"""A show of many tables on a Ray cluster: scaling 1 -> 2 -> 4 raylets started on this machine.

For each raylet count R it starts a cluster of its own — `ray start --head --port <free, never 6379>` plus
R-1 `ray start --address` nodes, each with `--num-cpus` (default 1) and a private temp folder — runs the show
of `graphs/show.yaml` (the live table of `graphs/demo.yaml`: simulated RFID table -> rules -> overlay ->
x264 veryfast -> mp4 + HLS) with `--tables-per-raylet` x R tables for `--seconds` of media time each, then
stops exactly the processes it started. Per table it reports frames encoded, drops, whether it held real
time (>= 98 % of the frames, no drops, span from all fragments running to the last packet muxed <= media
time x 1.03 + 1 s), its p99 source-to-packet latency, and its CPU: the user+system time of its fragment
actors' processes (read from /proc every 0.25 s while they run) after its fragments all ran (the actors'
start-up, mostly imports, is reported apart), as cores and as ms per frame.

The physical machine has 2 cores shared with other engineers' jobs: raylets are logical, so more raylets
add logical CPUs, not cores — the 2-core ceiling shows as tables that stop holding real time. CPU per
table is the figure that carries over to a real cluster (docs/ray.md, capacity model).

    .venv/bin/python benchmarks/bench_show.py [--raylets 1,2,4] [--tables-per-raylet 1] [--seconds 20]

Writes benchmarks/results/show.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
SHOW = REPO / "graphs" / "show.yaml"
RESULTS = REPO / "benchmarks" / "results"
#: The `ray` command line of this interpreter's Ray (a worktree venv may have no `ray` script of its own).
RAY = [sys.executable, "-c", "import sys; from ray.scripts.scripts import main; sys.argv[0] = 'ray'; main()"]
FPS = 30.0
TICK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return port if port != 6379 else _free_port()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop_tree(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a `ray start --block` process and the processes it started (only those)."""
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in reversed(family):
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=10)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def _proc_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


class Cluster:
    """R raylets on this machine, started and stopped by us."""

    def __init__(self, raylets: int, cpus: int) -> None:
        self.env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
        self.temp = tempfile.mkdtemp(prefix="ggpshow", dir="/tmp")
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = open(Path(self.temp) / "start.log", "ab")  # noqa: SIM115 - closed in stop()
        common = [f"--num-cpus={cpus}", "--node-ip-address=127.0.0.1",
                  "--min-worker-port=21000", "--max-worker-port=21999"]
        self.procs = [subprocess.Popen([*RAY, "start", "--head", "--block", f"--port={self.port}",
                                        "--include-dashboard=false", f"--temp-dir={self.temp}", *common],
                                       env=self.env, stdout=self.log, stderr=self.log)]
        deadline = time.monotonic() + 90
        while not _listening(self.port):
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                self.stop()
                raise RuntimeError("the head raylet did not start; see " + str(Path(self.temp) / "start.log"))
            time.sleep(0.5)
        self.worker_command = [*RAY, "start", "--block", f"--address={self.address}", *common]
        for _ in range(raylets - 1):
            self.procs.append(self._worker())
        self.raylets = raylets
        self.retries = 0

    def _worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.worker_command, env=self.env, stdout=self.log, stderr=self.log)

    def wait_nodes(self) -> int:
        """Connected driver: wait until every raylet registered (bounded)."""
        import ray

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            alive = len([n for n in ray.nodes() if n["Alive"]])
            if alive >= self.raylets:
                return alive
            for k, proc in enumerate(self.procs[1:], start=1):
                # under load a raylet can miss Ray's own start-up deadline and exit: start it again (twice at most)
                if proc.poll() is not None and self.retries < 2 * (self.raylets - 1):
                    self.retries += 1
                    self.procs[k] = self._worker()
            time.sleep(0.5)
        return len([n for n in ray.nodes() if n["Alive"]])

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _stop_tree(proc)
        self.log.close()
        shutil.rmtree(self.temp, ignore_errors=True)


def run_show(cluster: Cluster, tables: int, seconds: float, size: tuple[int, int]) -> dict[str, Any]:
    """One show on a started cluster; per-table frames, drops, real time held, CPU."""
    os.environ["RAY_AUTH_MODE"] = "disabled"
    from ggpgfx.runtime.local import RunOptions
    from ggpgfx.runtime.ray_cluster import RayConnection
    from ggpgfx.runtime.ray_show import ShowRunner, load_show, table_graphs

    out_dir = Path(tempfile.mkdtemp(prefix="ggpshow-out"))
    spec = load_show(SHOW, tables)
    spec.per_table = {**spec.per_table,
                      "table": {"width": size[0], "height": size[1], "max_hands": 8},
                      "mp4": {"path": str(out_dir / "table-{n}.mp4")},
                      "hls": {"folder": str(out_dir / "table-{n}-hls")}}
    connection = RayConnection(cluster.address)
    connection.connect()
    alive = cluster.wait_nodes()
    runner = ShowRunner(spec.name, table_graphs(spec), RunOptions(duration_s=seconds))
    cpu: dict[int, dict[int, float]] = {}  # table -> pid -> last CPU seconds seen
    cpu_at_start: dict[int, float] = {}  # table -> its actors' CPU seconds when all its fragments ran (start-up)
    progress: dict[int, tuple[int, float]] = {}  # table -> (packets muxed, when that count was first seen)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for i, ex in enumerate(runner.executors):
                for where in list(ex.placement.values()):
                    seen = _proc_cpu_s(int(where["pid"]))
                    if seen is not None:
                        cpu.setdefault(i, {})[int(where["pid"])] = seen
                if i not in cpu_at_start and runner.running_at[i] is not None:
                    cpu_at_start[i] = sum(cpu.get(i, {}).values())
                if ex.alive():
                    try:
                        muxed = int(ex.stats(refresh=True).get("mp4", {}).get("messages_in", 0))
                    except Exception:  # a table ending under us
                        continue
                    if muxed > progress.get(i, (-1, 0.0))[0]:
                        progress[i] = (muxed, time.monotonic())
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    machine_before = psutil.cpu_times()
    try:
        runner.start()
        sampler.start()
        result = runner.wait(seconds * 6 + 120)
        if result is None:
            runner.stop(drain=False)
            result = runner.wait(60)
    finally:
        stop.set()
        machine_after = psutil.cpu_times()
        connection.close()
        shutil.rmtree(out_dir, ignore_errors=True)
    assert result is not None, "the show did not end"
    expected = seconds * FPS
    rows = []
    for i, table in enumerate(result.tables):
        nodes = table.nodes
        frames = int(nodes.get("enc", {}).get("messages_in", 0))
        drops = sum(int(n.get("drops", 0)) for n in nodes.values())
        # from all fragments running to the last packet muxed (teardown is not the table's real time)
        began, ended = runner.running_at[i], progress.get(i, (0, None))[1]
        span = (ended - began) if began is not None and ended is not None else float("nan")
        latency = nodes.get("mp4", {}).get("latency_us", {})
        cpu_s = sum(cpu.get(i, {}).values()) - cpu_at_start.get(i, 0.0)  # steady: start-up (imports) apart
        held = table.error is None and frames >= 0.98 * expected and span <= seconds * 1.03 + 1.0 and not drops
        rows.append({"table": i + 1, "ray_node": result.nodes[i][:8], "frames": frames, "drops": drops,
                     "span_s": span, "cpu_s": cpu_s, "startup_cpu_s": cpu_at_start.get(i),
                     "latency_p50_ms": float(latency.get("p50") or 0) / 1000,
                     "latency_p99_ms": float(latency.get("p99") or 0) / 1000, "cpu_cores": cpu_s / span if span == span and span else 0.0,
                     "cpu_ms_per_frame": 1000 * cpu_s / frames if frames else None, "held": held,
                     "error": str(table.error) if table.error else None})
    busy = (sum(machine_after) - machine_after.idle - machine_after.iowait) - \
        (sum(machine_before) - machine_before.idle - machine_before.iowait)
    return {"raylets": cluster.raylets, "alive_raylets": alive, "raylet_restarts": cluster.retries, "tables": tables, "rows": rows,
            "held": sum(r["held"] for r in rows), "machine_busy_cores": busy / max(result.wall_s, 1e-9),
            "wall_s": result.wall_s, "load_average": os.getloadavg()}


def warm_up(size: tuple[int, int]) -> None:
    """Run one table of the same live graph for 2 s as a plain `ggp run` (bench_capacity's runner), untimed."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_capacity import PROFILES, start_table

    with tempfile.TemporaryDirectory(prefix="ggp-show-warm-") as folder:
        process = start_table(PROFILES["720"], 0, Path(folder), 2.0, size)
        try:
            _, err = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            raise SystemExit("warm-up table did not finish within 300 s") from None
        if process.returncode != 0:
            raise SystemExit(f"warm-up table failed: {err.decode(errors='replace').strip()[-400:]}")


def main() -> None:
    """Every raylet count in turn, one cluster each; print per-table figures and tables per core."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raylets", default="1,2,4", help="raylet counts to try, e.g. 1,2,4")
    parser.add_argument("--tables-per-raylet", type=int, default=1)
    parser.add_argument("--cpus-per-raylet", type=int, default=1, help="each raylet's --num-cpus")
    parser.add_argument("--seconds", type=float, default=20.0, help="media time each table runs")
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    try:
        counts = [int(x) for x in args.raylets.split(",") if x.strip()]
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error("--raylets is a comma list of whole numbers and --size WIDTHxHEIGHT")
    if not counts or min(counts) < 1 or args.tables_per_raylet < 1 or args.seconds <= 0:
        parser.error("raylet counts, --tables-per-raylet and --seconds must be positive")
    cores = os.cpu_count() or 1
    report: dict[str, Any] = {"show": str(SHOW.relative_to(REPO)), "seconds": args.seconds, "size": args.size,
                              "physical_cores": cores, "cpus_per_raylet": args.cpus_per_raylet, "runs": []}
    print(f"Show on Ray: {args.size} tables of graphs/demo.yaml (x264 veryfast, mp4 + HLS), {args.seconds:g} s "
          f"of media each; {cores} physical cores shared with other work (load average "
          f"{os.getloadavg()[0]:.1f} at start)")
    # One untimed table first, as an installed copy would have had: Numba's kernel cache and $GGP_HOME/cache (the
    # hand evaluator's tables) filled. Without it the first raylet count paid those one-off builds: on a fresh
    # machine one table on one raylet spanned 24.1 s for 20 s of media, p99 11 ms (#21).
    warm_up((width, height))
    for raylets in counts:
        cluster = Cluster(raylets, args.cpus_per_raylet)
        try:
            run = run_show(cluster, raylets * args.tables_per_raylet, args.seconds, (width, height))
        finally:
            cluster.stop()
        report["runs"].append(run)
        held = run["held"]
        rows = run["rows"]

        def column(key: str, fmt: str, rows: list[dict[str, Any]] = rows) -> str:
            return ", ".join(format(r[key], fmt) if r[key] is not None else "-" for r in rows)

        print(f"  {raylets} raylet(s) ({run['alive_raylets']} alive, {raylets * args.cpus_per_raylet} logical CPUs), "
              f"{run['tables']} table(s): {held} held real time; per table CPU {column('cpu_cores', '.2f')} cores, "
              f"{column('cpu_ms_per_frame', '.1f')} ms/frame; frames {column('frames', 'd')} of "
              f"{int(args.seconds * FPS)} in {column('span_s', '.1f')} s; latency p99 {column('latency_p99_ms', '.0f')} "
              f"ms; drops {sum(r['drops'] for r in rows)}; machine busy {run['machine_busy_cores']:.2f} cores; "
              f"tables held per physical core {held / cores:.2f}; load {run['load_average'][0]:.1f}")
        for r in run["rows"]:
            if r["error"]:
                print(f"    table {r['table']}: {r['error']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "show.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"  wrote {out}")


if __name__ == "__main__":
    main()
