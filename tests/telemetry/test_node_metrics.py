"""Node-reported metrics: encoder bitrate and speed, secure-delay buffer, card-read conflicts, equity lag,
RFID reader health, output connection and reconnects."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node
from ggpgfx.graph.registry import get_node_type
from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup
from ggpgfx.telemetry.catalog import BY_NODE_KEY
from ggpgfx.telemetry.rates import MediaRate


def test_media_rate_bitrate_and_speed() -> None:
    rate = MediaRate(window_s=10)
    for i in range(31):  # 1 s of media, 1000 bytes a frame, over 2 s of wall time
        rate.add(i * 33_333, 1000, now=i * (2 / 30))
    assert abs(rate.bitrate_bps() - 30 * 8000 / (30 * 33_333 / 1e6)) < 1
    assert abs(rate.speed_ratio() - 0.5) < 0.01
    dropping = MediaRate(window_s=10)
    for i in range(31):  # real-time pts, but every other frame was dropped upstream
        dropping.add(i * 33_333 * (2 if i > 3 else 1), 1000, now=i * (2 if i > 3 else 1) / 30)
    assert abs(dropping.speed_ratio() - 0.5) < 0.01  # 30 frames in 2 s of a 30 fps stream


def test_encoder_and_delay_report_their_metrics() -> None:
    g = Graph("reported", fps=30, realtime=False)
    src = g.add("ingest.test_pattern", width=160, height=120, frames=60)
    enc = g.add("encode.h264", id="enc", preset="ultrafast", tune="zerolatency", keyint=15)
    held = g.add("delay.secure", id="delay", delay_s=1.0, clock="media")
    sink = g.add("sink.null", id="sink")
    src.video >> enc.video
    enc.packets >> held.packets
    held.packets >> sink.inp
    nodes = g.run().nodes
    enc_metrics = nodes["enc"]["reported"]
    assert enc_metrics["encoder_bitrate_bps"] > 1000
    assert enc_metrics["encoder_speed_ratio"] > 0
    delay = nodes["delay"]["reported"]
    assert 0.5 <= delay["delay_buffer_seconds"] <= 1.1
    assert 0 < delay["delay_buffer_fill_ratio"] < 1
    assert set(enc_metrics) | set(delay) <= set(BY_NODE_KEY)


class _IO:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def emit(self, port: str, payload: Any, pts: int | None) -> None:
        self.sent.append((port, payload))

    def latest(self, port: str) -> Any | None:
        return None

    def call_soon(self, fn: Any, *args: Any) -> None:
        fn(*args)

    def wait_until(self, predicate: Any, timeout_s: float) -> bool:
        return bool(predicate())


def _message(payload: Any) -> Message:
    return Message(payload=payload, pts=0, seq=0, origin_ns=0)


def test_rules_count_conflicting_reads_and_equity_lag() -> None:
    from ggpgfx.poker.messages import card_reads_table

    cls = get_node_type("rules.poker")
    assert cls is not None
    node: Node = cls("game", cls.Params(trials=500))
    node.bind(_IO())
    node.setup()
    try:
        seats = [SeatSetup(seat=1, name="Ann", stack=10_000), SeatSetup(seat=4, name="Bob", stack=10_000)]
        setup = HandSetup(hand_number=1, game="nlhe", seats=seats, button=4, small_blind=50, big_blind=100)
        node.process("actions", _message(OperatorAction(kind="start_hand", hand=setup)))
        reads = [{"zone": "seat", "seat": s, "card": c, "pts": 0} for s, c in ((1, "Ah"), (1, "Kh"), (4, "Qs"))]
        node.process("reads", _message(card_reads_table(reads)))
        assert "card_read_conflicts" not in node.reported_metrics()
        node.process("reads", _message(card_reads_table([{"zone": "seat", "seat": 4, "card": "Ah", "pts": 0}])))
        node.process("reads", _message(card_reads_table([{"zone": "seat", "seat": 4, "card": "Ah", "pts": 0}])))
        assert node.reported_metrics()["card_read_conflicts"] == 1.0  # the same conflict twice counts once
        node.process("reads", _message(card_reads_table([{"zone": "seat", "seat": 4, "card": "Qd", "pts": 0}])))
        node.worker.drain(30)  # type: ignore[attr-defined]
        reported = node.reported_metrics()
        assert reported["equity_worker_pending"] == 0.0 and reported["equity_worker_lag_seconds"] > 0
    finally:
        node.teardown()


@pytest.mark.network
def test_rfid_reader_reports_its_health() -> None:
    """A real reader connection (the simulator over TCP on 127.0.0.1): connected, read rate, age of the last read."""
    import tempfile
    from pathlib import Path

    from ggpgfx.poker.phh_script import Timing
    from ggpgfx.rfid.simulator import ReaderSimulator, SimulatorConfig

    sim = ReaderSimulator(SimulatorConfig(max_hands=1, speed=10, timing=Timing(action=0.3, deal=0.05), seed=3)).start()
    deck_file = Path(tempfile.mkdtemp()) / "deck.json"
    sim.deck.save(deck_file)
    g = Graph("rfid-metrics")
    reader = g.add("ingest.rfid", id="rfid", source=f"tcp://127.0.0.1:{sim.port}", deck=str(deck_file),
                   idle_timeout_s=1.5, health_interval_s=0.2)
    reads = g.add("sink.null", id="reads")
    reader.reads >> reads.inp
    try:
        reported = g.run(realtime=False).nodes["rfid"]["reported"]
    finally:
        sim.stop()
    assert {"rfid_reader_connected", "rfid_reader_read_rate", "rfid_reader_last_read_age_seconds"} <= set(reported)
    assert set(reported) <= set(BY_NODE_KEY)
    assert reported["rfid_reader_read_rate"] > 0 and reported["rfid_reader_last_read_age_seconds"] >= 0


def test_publish_reports_connection_and_reconnects() -> None:
    """publish.rtmp turns its sender's state into output_connected and output_reconnects on every packet."""
    cls = get_node_type("publish.rtmp")
    assert cls is not None
    node: Any = cls("out", cls.Params(url="rtmp://127.0.0.1:9/live", stream_key="k"))
    node.bind(_IO())
    node.target, node.reported = "rtmp://127.0.0.1:9/live/k", ""
    stats = SimpleNamespace(state="connected", connects=1, reconnects=0, failures=0, packets_sent=0,
                            packets_dropped=0, bytes_sent=0)
    node.output = SimpleNamespace(stats=stats, error=None)
    node._report()
    assert node.reported_metrics() == {"output_connected": 1.0, "output_reconnects": 0.0}
    stats.state, stats.reconnects = "reconnecting", 2
    node._report()
    assert node.reported_metrics() == {"output_connected": 0.0, "output_reconnects": 2.0}
    assert set(node.reported_metrics()) <= set(BY_NODE_KEY)
