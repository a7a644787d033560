"""An injected stall before the encoder fires GgpEncoderBelowRealTime in a real Prometheus (shipped rules,
`for:` shortened) that scrapes the run's metrics."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.runtime.run import start_run
from ggpgfx.telemetry.prom import GraphSource, serve_graph_metrics

PROMETHEUS = shutil.which("prometheus")
CLUSTER = Path(__file__).resolve().parents[2] / "cluster" / "prometheus"


@register_node
class Stall(Node):
    """Forward frames; from frame `after` on, sleep `seconds` per frame (an injected stall)."""

    type_name = "test.stall_video"
    inputs = {"inp": Port(VideoFrame)}
    outputs = {"out": Port(VideoFrame)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        after: int = Field(30, ge=0)
        seconds: float = Field(0.1, ge=0)

    def setup(self) -> None:
        self.seen = 0

    def process(self, port: str, msg: Message) -> None:
        self.seen += 1
        if self.seen > self.params.after:
            time.sleep(self.params.seconds)
        self.emit("out", msg.payload)


def _alerts(port: int) -> list[dict[str, Any]]:
    answer = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/alerts", timeout=5).read())
    return list(answer["data"]["alerts"])


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (apt package prometheus)")
def test_encoder_stall_fires_its_alert(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        prom_port = s.getsockname()[1]
    g = Graph("stalled", fps=30, realtime=True)
    src = g.add("ingest.test_pattern", width=64, height=48, frames=1800)
    stall = g.add("test.stall_video", id="stall", after=30, seconds=0.1)
    enc = g.add("encode.h264", id="enc", preset="ultrafast", tune="zerolatency", keyint=30)
    sink = g.add("sink.null", id="sink")
    src.video >> stall.inp
    stall.out >> enc.video
    enc.packets >> sink.inp
    handle = start_run(g.validate())
    server, metrics_port = serve_graph_metrics(0, GraphSource("stalled", handle.stats, {"stream": "s-stall"}))
    rules = (CLUSTER / "alerts.yml").read_text().replace("for: 30s", "for: 1s")
    (tmp_path / "alerts.yml").write_text(rules)
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}, "rule_files": ["alerts.yml"],
              "scrape_configs": [{"job_name": "ggp-run", "static_configs": [{"targets": [f"127.0.0.1:{metrics_port}"]}]}]}
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    prometheus = subprocess.Popen([str(PROMETHEUS), f"--config.file={tmp_path / 'prometheus.yml'}",
                                   f"--storage.tsdb.path={tmp_path / 'data'}",
                                   f"--web.listen-address=127.0.0.1:{prom_port}"],
                                  stdout=subprocess.DEVNULL, stderr=open(tmp_path / "prometheus.log", "wb"))
    try:
        firing: list[dict[str, Any]] = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not firing:
            time.sleep(1)
            try:
                firing = [a for a in _alerts(prom_port) if a["labels"]["alertname"] == "GgpEncoderBelowRealTime"
                          and a["state"] == "firing"]
            except OSError:
                continue
        assert firing, (tmp_path / "prometheus.log").read_text()[-2000:]
        labels = firing[0]["labels"]
        assert labels["node"] == "enc" and labels["stream"] == "s-stall" and labels["severity"] == "page"
        assert float(firing[0]["value"]) < 0.95
    finally:
        prometheus.terminate()
        prometheus.wait(10)
        handle.stop(timeout=5)
        server.shutdown()
        server.server_close()
