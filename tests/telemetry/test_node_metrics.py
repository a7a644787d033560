"""Node-reported metrics: encoder bitrate and speed, secure-delay buffer, card-read conflicts, equity lag."""

from __future__ import annotations

from typing import Any

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
