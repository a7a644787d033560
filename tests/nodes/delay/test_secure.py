"""delay.secure: output delay within one frame (wall clock), keyframe start, order, bounded memory with spill."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import Packet


@register_node
class Arrivals(Node):
    """Record (pts, monotonic arrival time) of every message (delay tests)."""

    type_name = "test.arrivals"
    inputs = {"inp": Port(Packet)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")

    def setup(self) -> None:
        self.items: list[tuple[int, float, Packet]] = []

    def process(self, port: str, msg: Message) -> None:
        self.items.append((msg.pts, time.monotonic(), msg.payload))


def _graph(frames: int, delay: dict[str, object], width: int = 320, height: int = 240, **enc: object) -> Graph:
    g = Graph("delay", fps=30)
    src = g.add("ingest.test_pattern", width=width, height=height, frames=frames)
    venc = g.add("encode.h264", id="venc", **({"preset": "ultrafast", "tune": "zerolatency", "keyint": 30} | enc))
    held = g.add("delay.secure", id="delay", **delay)
    live = g.add("test.arrivals", id="live")
    late = g.add("test.arrivals", id="late")
    countdown = g.add("sink.collect", id="countdown")
    src.video >> venc.video
    venc.packets >> live.inp
    venc.packets >> held.packets
    held.packets >> late.inp
    held.countdown >> countdown.inp
    return g


def test_wall_clock_delay_is_within_one_frame(tmp_path: Path) -> None:
    result = _graph(60, {"delay_s": 1.5, "spill_dir": str(tmp_path)}).run(realtime=True)
    live = {pts: t for pts, t, _ in result.instances["live"].items}
    late = result.instances["late"].items
    assert len(late) == 60
    # released within one frame of the due time, as the node measures it (no sink thread in between)
    stats = result.instances["delay"].stats()
    assert stats["late_max_s"] <= 1 / 30 and stats["out"] == 60
    # end to end, as two separate sink threads see it: within one frame for nearly all packets even on a
    # loaded machine (thread wake-ups of the two sinks add their own jitter)
    errors = sorted(abs(t - live[pts] - 1.5) for pts, t, _ in late)
    assert errors[len(errors) // 2] <= 1 / 60 and errors[int(len(errors) * 0.9)] <= 1 / 30, errors[-5:]
    states = [c.state for c in result.collected("countdown")]
    assert states[0] == "buffering" and states[-2:] == ["live", "ended"]
    remaining = [c.remaining_s for c in result.collected("countdown") if c.state == "buffering"]
    assert remaining[0] == pytest.approx(1.5, abs=0.1) and remaining == sorted(remaining, reverse=True)


def test_spills_to_disk_with_bounded_memory_and_keeps_order(tmp_path: Path) -> None:
    budget = 4096
    delay = {"delay_s": 4.0, "memory_mb": budget / 2**20, "spill_dir": str(tmp_path / "spill"), "clock": "media"}
    result = _graph(300, delay, keyint=5).run(realtime=False)
    node = result.instances["delay"]
    sent = [p for _, _, p in result.instances["live"].items]
    got = [p for _, _, p in result.instances["late"].items]
    assert [p.data for p in got] == [p.data for p in sent]  # every packet, in order, byte for byte
    total = sum(len(p.data) for p in sent)
    stats = node.stats()
    assert total * 4 / 10 > 3 * budget  # the test only means something if the held packets outgrow the budget
    assert stats["spilled"] > 100 and stats["peak_memory_bytes"] <= budget
    assert not list((tmp_path / "spill").glob("*.bin"))  # spill files are removed


def test_media_clock_releases_after_the_delay_and_starts_on_a_keyframe(tmp_path: Path) -> None:
    g = Graph("delay", fps=30)
    src = g.add("ingest.test_pattern", width=160, height=120, frames=90)
    venc = g.add("encode.h264", id="venc", preset="ultrafast", tune="zerolatency", keyint=30)
    held = g.add("delay.secure", id="delay", delay_s=1.0, clock="media", spill_dir=str(tmp_path))
    late = g.add("sink.collect", id="late", keep_messages=True)
    src.video >> venc.video
    venc.packets >> held.packets
    held.packets >> late.inp
    messages = g.run(realtime=False).collected("late")
    assert len(messages) == 90 and messages[0].payload.keyframe
    assert [m.pts for m in messages] == sorted(m.pts for m in messages)


def test_media_clock_stream_shorter_than_the_delay_ends_cleanly(tmp_path: Path) -> None:
    # a recording that ends before the delay went live: everything held is released at end of stream
    g = Graph("delay", fps=30)
    src = g.add("ingest.test_pattern", width=160, height=120, frames=20)
    venc = g.add("encode.h264", id="venc", preset="ultrafast", tune="zerolatency", keyint=30)
    held = g.add("delay.secure", id="delay", delay_s=5.0, clock="media", spill_dir=str(tmp_path))
    late = g.add("sink.collect", id="late")
    countdown = g.add("sink.collect", id="countdown")
    src.video >> venc.video
    venc.packets >> held.packets
    held.packets >> late.inp
    held.countdown >> countdown.inp
    result = g.run(realtime=False)
    assert len(result.collected("late")) == 20
    assert result.collected("countdown")[-1].state == "ended"
