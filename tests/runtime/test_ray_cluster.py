"""A two-node Ray cluster on one machine (`ray start` head + worker with a custom resource): pinned fragments
land on the raylet that offers the resource; `ggp run --executor ray` with no cluster leaves nothing behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.ray, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).parent / "ray")
TOKEN = os.urandom(16).hex()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop_tree(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a `ray start --block` process and every process it started (and only those)."""
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in reversed(family):
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=5)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def _using(fragment: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(fragment in part for part in (p.info["cmdline"] or [])):
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.fixture
def two_node_cluster() -> Iterator[str]:
    """Head (1 CPU) plus a worker node offering `rfid_reader: 1`; explicit ports; token authentication on."""
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN, "RAY_USAGE_STATS_ENABLED": "0"}
    ports = ["--min-worker-port=20000", "--max-worker-port=20999"]  # not the 18000-19999 test-server range
    temp = tempfile.mkdtemp(prefix="ggprmn", dir="/tmp")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    logs = Path(temp) / "start.log"
    with open(logs, "ab") as log:
        head = subprocess.Popen([RAY, "start", "--head", "--block", f"--port={port}", "--num-cpus=1",
                                 "--include-dashboard=false", f"--temp-dir={temp}", "--node-ip-address=127.0.0.1", *ports],
                                env=env, stdout=log, stderr=log)
        worker = None
        try:
            deadline = time.monotonic() + 60
            while not _listening(port):  # the GCS is up; the driver waits for the worker node to register
                assert time.monotonic() < deadline and head.poll() is None, logs.read_text()[-2000:]
                time.sleep(0.5)
            worker = subprocess.Popen([RAY, "start", "--block", f"--address={address}", "--num-cpus=1",
                                       '--resources={"rfid_reader": 1}', "--node-ip-address=127.0.0.1", *ports],
                                      env=env, stdout=log, stderr=log)
            yield address
        finally:
            if worker is not None:
                _stop_tree(worker)
            _stop_tree(head)
    deadline = time.monotonic() + 15
    while _using(temp) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = _using(temp)
    for p in left:  # ours for sure: they carry this test's unique temp dir; never leave them to others
        p.kill()
    assert not left, f"processes of the test cluster were left running: {[p.info['cmdline'] for p in left]}"


DRIVER = textwrap.dedent("""
    import json, sys, time
    import ray
    from ggpgfx.api import Graph
    from ggpgfx.runtime.local import RunOptions
    from ggpgfx.runtime.ray_executor import RayExecutor

    g = Graph("pinned", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=64, height=48, frames=20)
    g.add("util.passthrough", id="reader", resources={"rfid_reader": 1})
    g.add("sink.collect", id="sink")
    g.connect("bars.video", "reader.inp")
    g.connect("reader.out", "sink.inp")
    ex = RayExecutor(g.validate(), RunOptions(), address=sys.argv[1])
    ex.connection.connect()
    deadline = time.monotonic() + 90
    while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)  # the worker node is still registering
    nodes = {n["NodeID"]: n["Resources"] for n in ray.nodes() if n["Alive"]}
    result = ex.run()
    print(json.dumps({"error": str(result.error) if result.error else None, "nodes": nodes,
                      "placement": ex.placement, "frames": len(result.collected("sink")), "hops": ex.hops,
                      "plan": ex.plan.to_json() if ex.plan else None}))
""")


def test_pinned_fragment_runs_on_the_raylet_with_the_resource(two_node_cluster: str) -> None:
    # Only the token: RayConnection turns Ray's token mode on for it (Ray would not send it otherwise).
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"} | {"RAY_AUTH_TOKEN": TOKEN}
    done = subprocess.run([sys.executable, "-c", DRIVER, two_node_cluster], capture_output=True, text=True,
                          timeout=180, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["error"] is None and report["frames"] == 20
    reader_nodes = [nid for nid, res in report["nodes"].items() if "rfid_reader" in res]
    assert len(report["nodes"]) == 2 and len(reader_nodes) == 1
    assert report["placement"]["rfid_reader"]["node_id"] == reader_nodes[0]
    assert report["placement"]["main"]["node_id"] in report["nodes"]
    # Two raylets (on one machine here): their fragments talk through the object store, not /dev/shm.
    if report["placement"]["main"]["node_id"] != reader_nodes[0]:
        assert {h["transport"] for h in report["hops"].values()} == {"object_store"}
    target = next(f["target"] for f in report["plan"]["fragments"] if f["name"] == "rfid_reader")
    assert reader_nodes[0][:8] in target  # `ggp plan` predicted the same raylet


def test_cli_run_with_ray_and_no_cluster_leaves_no_ray_processes(tmp_path: Path) -> None:
    temp = tempfile.mkdtemp(prefix="ggpremb", dir="/tmp")
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RAY_AUTH_MODE")}
    env["GGP_RAY_TEMP_DIR"] = temp
    stats = tmp_path / "stats.json"
    done = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "run", "graphs/test_pattern.yaml", "--executor",
                           "ray", "--no-realtime", "--stats-json", str(stats)], capture_output=True, text=True,
                          timeout=180, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Ray dashboard: off for this embedded cluster" in done.stderr and "/metrics" in done.stderr
    nodes = json.loads(stats.read_text())["nodes"]
    assert nodes["stats"]["messages_in"] == 90 and nodes["fwd"]["fragment"] == "main"
    deadline = time.monotonic() + 10
    while _using(temp) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _using(temp)
