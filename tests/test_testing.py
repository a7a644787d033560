"""ggpgfx.testing: run_node feeds real edges by pts, honours port policies, EOS, sources and errors."""

from __future__ import annotations

from typing import Any

import pytest

from ggpgfx.graph.node import Message, Node, Port
from ggpgfx.testing import NodeHarness, at, run_node, timed


class Mix(Node):
    """Pair each `frame` with the newest `state`; count EOS."""

    type_name = "test.mix"
    inputs = {"frame": Port(int), "state": Port(str, policy="latest", required=False)}
    outputs = {"out": Port(Any), "ends": Port(int)}

    def process(self, port: str, msg: Message) -> None:
        if msg.payload < 0:
            raise ValueError(f"negative frame {msg.payload}")
        self.emit("out", (msg.payload, self.latest("state")))

    def on_eos(self) -> None:
        self.emit("ends", 1, pts=0)


class Pair(Node):
    """Emit the sum of pts-aligned `a` and `b`."""

    type_name = "test.pair"
    inputs = {"a": Port(int, policy="sync"), "b": Port(int, policy="sync")}
    outputs = {"out": Port(int)}

    def process_sync(self, messages: dict[str, Message]) -> None:
        self.emit("out", messages["a"].payload + messages["b"].payload)


class Count(Node):
    """Emit 0..n-1 with pts = i ms."""

    type_name = "test.count"
    outputs = {"out": Port(int)}

    def setup(self) -> None:
        self.i = 0

    def tick(self) -> bool:
        if self.i >= 5:
            return False
        self.emit("out", self.i, pts=self.i * 1000)
        self.i += 1
        return True


def test_latest_port_sees_the_state_in_pts_order() -> None:
    run = run_node(Mix, inputs={"frame": timed([0, 1, 2], step_us=100), "state": [at(50, "flop"), at(150, "turn")]})
    assert run["out"] == [(0, None), (1, "flop"), (2, "turn")]
    assert run.pts("out") == [0, 100, 200] and run["ends"] == [1] and run.ended


def test_ties_follow_the_order_of_the_inputs_mapping() -> None:
    first = run_node(Mix, inputs={"state": [at(0, "s")], "frame": [at(0, 7)]})
    second = run_node(Mix, inputs={"frame": [at(0, 7)], "state": [at(0, "s")]})
    assert first["out"] == [(7, "s")] and second["out"] == [(7, None)]


def test_without_eos_on_eos_never_runs() -> None:
    run = run_node(Mix, inputs={"frame": [1, 2]}, eos=False)
    assert run["out"] == [(1, None), (2, None)] and run["ends"] == [] and not run.ended


def test_sync_ports_and_policy_overrides() -> None:
    run = run_node(Pair, inputs={"a": timed([1, 2, 3]), "b": timed([10, 20, 30])})
    assert run["out"] == [11, 22, 33]
    as_latest = run_node(Mix, inputs={"frame": timed([1, 2])}, policies={"frame": "latest"})
    assert as_latest["out"] == [] and as_latest["ends"] == [1]  # a latest input never reaches process()


def test_sources_run_to_exhaustion_or_for_ticks() -> None:
    assert run_node(Count)["out"] == [0, 1, 2, 3, 4]
    run = run_node(Count, ticks=2)
    assert run["out"] == [0, 1] and run.pts("out") == [0, 1000]


def test_node_errors_and_unknown_ports_are_raised() -> None:
    with pytest.raises(ValueError, match="negative frame -1"):
        run_node(Mix, inputs={"frame": [1, -1]})
    with pytest.raises(ValueError, match="has no input port 'video'"):
        run_node(Mix, inputs={"video": [1]})


def test_harness_steps_by_hand_with_latest_values() -> None:
    harness = NodeHarness(Mix)
    harness.send("state", "river", pts=5)
    assert harness.send("frame", 3, pts=6)["out"] == [(3, "river")]
    assert harness.eos()["ends"] == [1]
