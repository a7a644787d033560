"""A runner lets go of a message's payload once the node has processed it (issue #21).

Before, a runner kept its last message (`current`, and a threaded runner's `in_hand` and loop variables) until
the next one arrived, so while a source drew frame N+1, frame N was still alive in every node downstream: two
frames' memory instead of one (and, across a shared-memory edge, a ring slot held for nothing).
"""

from __future__ import annotations

import threading
import time
import weakref

import pytest
from pydantic import BaseModel, ConfigDict

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node, Port, register_node


class Box:
    """A payload a weak reference can follow."""

    def __init__(self, value: int) -> None:
        self.value = value


ALIVE: list[bool] = []
ALIVE_LOCK = threading.Lock()


@register_node
class BoxSource(Node):
    """Emits boxes; before making the next, waits (up to 2 s) for the last one to be let go of, and logs whether
    it was."""

    type_name = "test.box_source"
    outputs = {"out": Port(object)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int = 5

    def setup(self) -> None:
        self.sent = 0
        self.last: weakref.ref[Box] | None = None

    def tick(self) -> bool:
        if self.last is not None:
            deadline = time.monotonic() + 2.0
            while self.last() is not None and time.monotonic() < deadline:
                time.sleep(0.005)
            with ALIVE_LOCK:
                ALIVE.append(self.last() is not None)
        box = Box(self.sent)
        self.last = weakref.ref(box)
        self.emit("out", box, pts=self.sent * 33_333)
        del box
        self.sent += 1
        return self.sent < self.params.count


@register_node
class BoxSink(Node):
    """Counts boxes and keeps only their values."""

    type_name = "test.box_sink"
    inputs = {"inp": Port(object)}

    def setup(self) -> None:
        self.values: list[int] = []

    def process(self, port: str, msg: Message) -> None:
        self.values.append(msg.payload.value)


@pytest.mark.parametrize("scheduler", ["auto", "fused", "threads"])
def test_a_processed_payload_is_let_go_before_the_next_is_made(scheduler: str) -> None:
    with ALIVE_LOCK:
        ALIVE.clear()
    g = Graph("let-go", realtime=False, scheduler=scheduler)
    g.add("test.box_source", id="src", count=5)
    g.add("util.passthrough", id="fwd")  # passes each box on, as an overlay passes its frame
    g.add("test.box_sink", id="sink")
    g.connect("src.out", "fwd.inp")
    g.connect("fwd.out", "sink.inp")
    result = g.run()
    assert result.error is None
    assert result.instances["sink"].values == [0, 1, 2, 3, 4]  # type: ignore[attr-defined]
    assert ALIVE == [False] * 4  # every box was gone before the next one was made


@register_node
class LateEmit(Node):
    """Hands each payload to a worker thread that emits it without a pts; process() returns once the emit is
    posted, so the runner sends it after it has let go of the message."""

    type_name = "test.late_emit"
    inputs = {"inp": Port(object)}
    outputs = {"out": Port(object)}

    def process(self, port: str, msg: Message) -> None:
        posted = threading.Event()

        def work(payload: Box = msg.payload) -> None:
            self.emit("out", payload.value)  # no pts: the runner takes the last message's
            posted.set()

        threading.Thread(target=work).start()
        assert posted.wait(5)


def test_a_worker_emit_after_processing_still_takes_the_last_messages_pts() -> None:
    """What the runner keeps of the last message once it let go of the payload: its pts."""
    g = Graph("let-go-pts", realtime=False, scheduler="threads")
    g.add("test.box_source", id="src", count=3)
    g.add("test.late_emit", id="late")
    g.add("sink.collect", id="sink", keep_messages=True)
    g.connect("src.out", "late.inp")
    g.connect("late.out", "sink.inp")
    result = g.run()
    assert result.error is None
    received = result.collected("sink")
    assert [m.payload for m in received] == [0, 1, 2]
    assert [m.pts for m in received] == [0, 33_333, 66_666]
