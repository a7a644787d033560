"""publish.events: Parquet log exactly once across a killed writer; Kafka delivery; unreachable broker buffered."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ggpgfx.api import Graph
from ggpgfx.media.event_log import EventLog

SOURCE = Path(__file__).with_name("event_source.py")


def _load_source() -> None:
    if "ggp_event_source" not in sys.modules:
        spec = importlib.util.spec_from_file_location("ggp_event_source", SOURCE)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["ggp_event_source"] = module
        spec.loader.exec_module(module)


def _graph(count: int, interval_s: float = 0.0, **params: Any) -> Graph:
    _load_source()
    g = Graph("events")
    src = g.add("test.game_events", id="src", count=count, interval_s=interval_s)
    out = g.add("publish.events", id="out", **params)
    src.events >> out.events
    return g


CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("ggp_event_source", {source!r})
module = importlib.util.module_from_spec(spec); sys.modules["ggp_event_source"] = module; spec.loader.exec_module(module)
from ggpgfx.api import Graph
g = Graph("events")
src = g.add("test.game_events", id="src", count=400, interval_s=0.01)
out = g.add("publish.events", id="out", folder={folder!r}, compact_every=25)
src.events >> out.events
g.run(realtime=False)
"""


def test_killed_writer_loses_and_duplicates_nothing_after_restart(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(source=str(SOURCE), folder=str(folder))])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once a few parts are written, mid-stream
        if len(list(folder.glob("part-*.parquet"))) >= 3:
            break
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    before = EventLog(folder).read_all().column("key").to_pylist()
    assert 75 <= len(before) < 400 and len(set(before)) == len(before)
    # the upstream replays from the start (at-least-once); the log keeps each key once
    result = _graph(400, folder=str(folder), compact_every=50).run(realtime=False)
    assert result.instances["out"].stats()["duplicates"] == len(before)
    keys = EventLog(folder).read_all().column("key").to_pylist()
    assert len(keys) == 400 and len(set(keys)) == 400
    assert keys[: len(before)] == before  # the order of what was acknowledged is kept


@pytest.mark.network
def test_every_event_reaches_kafka(tansu: Any, tmp_path: Path) -> None:
    tansu.create_topic("poker.events")
    result = _graph(250, folder=str(tmp_path / "log"), kafka_bootstrap=tansu.bootstrap,
                    kafka_topic="poker.events").run(realtime=False)
    stats = result.instances["out"].stats()
    assert stats["kafka_sent"] == 250 and stats["kafka_backlog_bytes"] == 0
    records = tansu.read("poker.events")
    keys = [key.decode() for key, _ in records]
    assert sorted(set(keys)) == sorted(f"table-1/{i // 10}/{i % 10}" for i in range(250))
    events = {key.decode(): json.loads(value) for key, value in records}
    assert events["table-1/24/9"]["amount"] == 349 and events["table-1/0/0"]["kind"] == "bet"


@pytest.mark.network
def test_unreachable_broker_never_blocks_and_the_backlog_is_sent_later(tansu: Any, tmp_path: Path) -> None:
    from ggpgfx.media.rtmp_server import free_port

    folder = tmp_path / "log"
    port = free_port()  # nothing listens here yet
    began = time.monotonic()
    result = _graph(100, folder=str(folder), kafka_bootstrap=f"127.0.0.1:{port}", drain_timeout_s=1.0
                    ).run(realtime=False)
    assert time.monotonic() - began < 30
    stats = result.instances["out"].stats()
    assert stats["appended"] == 100 and stats["kafka_sent"] == 0 and stats["kafka_backlog_bytes"] > 0
    # the broker comes up on that address: a new run (same log folder) delivers the buffered backlog
    tansu.stop()
    tansu.port, tansu.bootstrap = port, f"127.0.0.1:{port}"
    tansu.start()
    tansu.create_topic("ggp.events")
    result = _graph(100, folder=str(folder), kafka_bootstrap=tansu.bootstrap).run(realtime=False)
    assert result.instances["out"].stats()["kafka_sent"] == 100
    assert len({key for key, _ in tansu.read("ggp.events")}) == 100
