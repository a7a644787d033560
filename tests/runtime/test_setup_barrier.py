"""Sources tick only once every node is set up; `freeze_gc` freezes what setup allocated (issue #21)."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from ggpgfx.api import Graph
from ggpgfx.errors import NodeError
from ggpgfx.graph.node import Message, Node, Port, register_node

LOG: list[str] = []
LOG_LOCK = threading.Lock()


def note(entry: str) -> None:
    with LOG_LOCK:
        LOG.append(entry)


@register_node
class TickLogger(Node):
    """A source that logs its first tick, then emits `count` numbers."""

    type_name = "test.tick_logger"
    outputs = {"out": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int = 3

    def setup(self) -> None:
        self.sent = 0
        note("source set up")

    def tick(self) -> bool:
        if self.sent == 0:
            note("source first tick")
        self.emit("out", self.sent, pts=self.sent * 33_333)
        self.sent += 1
        return self.sent < self.params.count


@register_node
class SlowSetup(Node):
    """A consumer whose setup takes a while (or fails), as loading Numba kernels or a skin does."""

    type_name = "test.slow_setup"
    own_thread = True  # like an encoder or a writer: not fused into the source's thread
    inputs = {"inp": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        setup_s: float = 0.3
        fail: bool = False

    def setup(self) -> None:
        time.sleep(self.params.setup_s)
        if self.params.fail:
            raise RuntimeError("the skin is missing")
        note("consumer set up")
        self.seen: list[int] = []

    def process(self, port: str, msg: Message) -> None:
        self.seen.append(msg.payload)


def graph(**consumer: Any) -> Graph:
    g = Graph("barrier", realtime=True)
    g.add("test.tick_logger", id="src", count=3)
    g.add("test.slow_setup", id="slow", **consumer)
    g.connect("src.out", "slow.inp")
    return g


def test_a_source_starts_only_after_every_consumer_is_set_up() -> None:
    LOG.clear()
    result = graph(setup_s=0.3).run()
    assert LOG.index("consumer set up") < LOG.index("source first tick")
    assert result.instances["slow"].seen == [0, 1, 2]
    assert result.nodes["slow"]["latency_us"]["count"] == 3


def test_a_failed_setup_stops_the_run_before_the_source_ticks() -> None:
    LOG.clear()
    result = graph(setup_s=0.1, fail=True).run(raise_on_error=False)
    assert isinstance(result.error, NodeError) and "the skin is missing" in str(result.error)
    assert "source set up" in LOG and "source first tick" not in LOG


@pytest.mark.parametrize("freeze", [False, True])
def test_freeze_gc_freezes_what_setup_allocated_only_when_asked(freeze: bool) -> None:
    gc.unfreeze()
    try:
        graph(setup_s=0.0).run(freeze_gc=freeze)
        assert (gc.get_freeze_count() > 0) is freeze
    finally:
        gc.unfreeze()
