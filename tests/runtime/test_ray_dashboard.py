"""`ggp run --executor ray --dashboard`: the embedded cluster's dashboard is on, its URL printed, and its
HTTP API lists the fragment actors by name."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ray, pytest.mark.slow]

GRAPH = """name: dash
settings: {fps: 30, realtime: true}
nodes:
  bars: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 3000}}
  fwd: {type: util.passthrough, isolate: true}
  sink: {type: sink.null}
edges:
  - bars.video -> fwd.inp
  - fwd.out -> sink.inp
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dashboard_lists_fragment_actors(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    (tmp_path / "graph.yaml").write_text(GRAPH)
    ray_dir = tempfile.mkdtemp(prefix="ggpdash")  # short: Ray's socket paths have a length limit
    env = {**os.environ, "GGP_HOME": str(tmp_path / "home"), "GGP_RAY_TEMP_DIR": ray_dir,
           "GGP_RAY_DASHBOARD_PORT": str(_free_port()), "RAY_PROMETHEUS_HOST": "http://127.0.0.1:9"}
    metrics_port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "run", str(tmp_path / "graph.yaml"),
                                "--executor", "ray", "--dashboard", "--metrics-port", str(metrics_port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert process.stderr is not None
    threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True).start()
    try:
        deadline = time.monotonic() + 55
        url = None
        while url is None and time.monotonic() < deadline:
            assert process.poll() is None, "".join(lines)[-3000:]
            url = next((m.group(1) for line in list(lines) if (m := re.match(r"ray dashboard: (http\S+)", line))),
                       None)
            time.sleep(0.3)
        assert url, "".join(lines)[-3000:]
        assert any("RAY_PROMETHEUS_HOST" in line and "http://127.0.0.1:9" in line for line in lines)
        names: dict[str, str] = {}
        while time.monotonic() < deadline:
            try:
                body = json.loads(urllib.request.urlopen(f"{url}/api/v0/actors?limit=200&detail=false",
                                                         timeout=10).read())
                actors = body["data"]["result"]["result"]
                names = {a["name"]: a["state"] for a in actors if str(a.get("name", "")).startswith("ggp/dash/")}
            except OSError:
                names = {}
            if len(names) >= 2 and all(state == "ALIVE" for state in names.values()):
                break
            time.sleep(1)
        assert len(names) >= 2 and set(names.values()) == {"ALIVE"}, (names, "".join(lines)[-2000:])
        # the same run's --metrics-port serves the fragments' per-node series (merged by the driver)
        wanted = 'ggp_node_messages_out_total{graph="dash",node="fwd",node_type="util.passthrough"'
        scraped = ""
        while wanted not in scraped and time.monotonic() < deadline + 10:
            scraped = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
            time.sleep(0.5)
        assert wanted in scraped and 'ggp_node_process_seconds_bucket{graph="dash"' in scraped
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        shutil.rmtree(ray_dir, ignore_errors=True)


def test_dashboard_flag_needs_the_ray_executor(tmp_path: Path) -> None:
    (tmp_path / "graph.yaml").write_text(GRAPH)
    done = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "run", str(tmp_path / "graph.yaml"),
                           "--executor", "local", "--dashboard"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GGP_HOME": str(tmp_path / "home")})
    assert done.returncode != 0 and "--dashboard needs --executor ray" in done.stderr
    assert "Traceback" not in done.stderr
