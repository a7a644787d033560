"""A real Prometheus (the shipped config, started here on a free port) scrapes `ggp run --metrics-port`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

PROMETHEUS = shutil.which("prometheus")
CLUSTER = Path(__file__).resolve().parents[2] / "cluster" / "prometheus"
GRAPH = """name: scraped
settings: {fps: 30, realtime: true}
nodes:
  bars: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 1800}}
  fwd: {type: util.passthrough}
  sink: {type: sink.null}
edges:
  - bars.video -> fwd.inp
  - fwd.out -> sink.inp
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(port: int, promql: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    answer = json.loads(urllib.request.urlopen(url, timeout=5).read())
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (apt package prometheus)")
def test_prometheus_scrapes_per_node_metrics_of_a_run(tmp_path: Path) -> None:
    metrics_port, prom_port = _free_port(), _free_port()
    config = yaml.safe_load((CLUSTER / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(CLUSTER / "alerts.yml")]
    config["scrape_configs"] = [dict(job, static_configs=[{"targets": [f"127.0.0.1:{metrics_port}"]}])
                                for job in config["scrape_configs"] if job["job_name"] == "ggp-run"]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "graph.yaml").write_text(GRAPH)
    env = {**os.environ, "GGP_HOME": str(tmp_path / "home")}
    run = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "run", str(tmp_path / "graph.yaml"),
                            "--metrics-port", str(metrics_port)], env=env, stdout=subprocess.DEVNULL,
                           stderr=open(tmp_path / "run.log", "wb"))
    prometheus = subprocess.Popen([str(PROMETHEUS), f"--config.file={tmp_path / 'prometheus.yml'}",
                                   f"--storage.tsdb.path={tmp_path / 'data'}",
                                   f"--web.listen-address=127.0.0.1:{prom_port}"],
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "wb"))
    try:
        deadline = time.monotonic() + 45
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not found:
            time.sleep(1)
            assert run.poll() is None, (tmp_path / "run.log").read_text()[-2000:]
            try:
                found = [r for r in _query(prom_port, 'ggp_node_messages_out_total{job="ggp-run",node="fwd"}')
                         if float(r["value"][1]) > 0]
            except OSError:
                continue  # Prometheus still starting
        assert found, (tmp_path / "prometheus.log").read_text()[-2000:]
        labels = found[0]["metric"]
        assert labels["graph"] == "scraped" and labels["node_type"] == "util.passthrough"
        buckets = _query(prom_port, 'ggp_node_process_seconds_bucket{node="fwd",le="+Inf"}')
        assert buckets and float(buckets[0]["value"][1]) > 0
        rules = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/api/v1/rules", timeout=5).read())
        assert {g["name"] for g in rules["data"]["groups"]} == {"ggpgfx-show", "ggpgfx-platform"}
    finally:
        _stop(run)
        _stop(prometheus)
