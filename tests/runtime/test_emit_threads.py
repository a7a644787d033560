"""Emitting from worker threads: the runner numbers and sends everything, nothing is lost before EOS."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel, ConfigDict

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.graph.registry import get_node_type
from ggpgfx.testing import NodeHarness, run_node

THREADS = 4
PER_THREAD = 10_000


class Spray(Node):
    """Start worker threads that each emit `count` messages while the node itself forwards its input."""

    type_name = "test.spray"
    inputs = {"inp": Port(Any, required=False)}
    outputs = {"out": Port(Any)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        threads: int = THREADS
        count: int = PER_THREAD
        join_in: str = "on_eos"  # on_eos: wait there; teardown: join while stopping

    def setup(self) -> None:
        self.go = threading.Event()
        self.workers = [threading.Thread(target=self._work, args=(k,), daemon=True)
                        for k in range(self.params.threads)]
        for worker in self.workers:
            worker.start()

    def _work(self, k: int) -> None:
        self.go.wait(10)
        for i in range(self.params.count):
            self.emit("out", ("worker", k, i), pts=i)

    def process(self, port: str, msg: Message) -> None:
        self.go.set()
        self.emit("out", ("node", msg.payload, msg.seq))

    def on_eos(self) -> None:
        self.go.set()
        if self.params.join_in == "on_eos":
            self.wait_until(lambda: not any(w.is_alive() for w in self.workers), 60)

    def teardown(self) -> None:
        for worker in self.workers:
            worker.join(60)


def _check(out: list[Any], seqs: list[int], threads: int, count: int, own: int) -> None:
    assert sorted(seqs) == list(range(threads * count + own)), "seqs unique and dense"
    per_worker = [sorted(i for kind, k, i in out if kind == "worker" and k == w) for w in range(threads)]
    assert all(got == list(range(count)) for got in per_worker), "every worker message exactly once"
    assert sorted(p for kind, p, _ in out if kind == "node") == list(range(own))


def test_worker_threads_emit_exactly_once_with_dense_seqs_before_eos() -> None:
    run = run_node(Spray, inputs={"inp": list(range(50))})
    out = run["out"]
    _check(out, [m.seq for m in run.messages("out")], THREADS, PER_THREAD, 50)
    assert run.ended and run.stats["messages_out"] == THREADS * PER_THREAD + 50
    # each worker's messages keep their order
    for w in range(THREADS):
        assert [i for kind, k, i in out if kind == "worker" and k == w] == list(range(PER_THREAD))


def test_emits_made_while_teardown_joins_workers_still_precede_eos() -> None:
    run = run_node(Spray, {"join_in": "teardown", "count": 5_000}, inputs={"inp": [0]})
    _check(run["out"], [m.seq for m in run.messages("out")], THREADS, 5_000, 1)
    assert run.ended and run["out"][-1][0] == "worker"  # workers finished while teardown joined them


def test_fused_consumer_with_workers_posts_to_its_host_thread() -> None:
    if get_node_type("test.spray") is None:
        register_node(Spray)
    g = Graph("spray", realtime=False, scheduler="fused")
    g.add("test.counter", id="src", count=20)
    g.add("test.spray", id="spray", threads=3, count=3_000)
    g.add("sink.collect", id="sink", limit=100_000, keep_messages=True)
    g.connect("src.out", "spray.inp")
    g.connect("spray.out", "sink.inp")
    result = g.run()
    assert result.error is None
    msgs = result.collected("sink")
    assert sorted(m.seq for m in msgs) == list(range(3 * 3_000 + 20))
    assert result.nodes["spray"]["messages_out"] == 3 * 3_000 + 20


class Later(Node):
    """Hand work back to the node's thread with call_soon."""

    type_name = "test.later"
    inputs = {"inp": Port(int)}
    outputs = {"out": Port(Any)}

    def setup(self) -> None:
        self.thread_ids: set[int] = set()
        self.total = 0

    def process(self, port: str, msg: Message) -> None:
        self.thread_ids.add(threading.get_ident())
        worker = threading.Thread(target=lambda: self.call_soon(self._add, msg.payload))
        worker.start()
        worker.join()

    def _add(self, value: int) -> None:
        self.thread_ids.add(threading.get_ident())
        self.total += value
        self.emit("out", self.total, pts=value)


def test_call_soon_runs_on_the_node_thread_between_messages() -> None:
    run = run_node(Later, inputs={"inp": [1, 2, 3, 4]})
    assert run["out"] == [1, 3, 6, 10] and run.pts("out") == [1, 2, 3, 4]
    assert len(run.node.thread_ids) == 1  # type: ignore[attr-defined]


def test_harness_runs_posted_work_after_each_step() -> None:
    harness = NodeHarness(Later)
    assert harness.send("inp", 5, pts=10)["out"] == [5]
    harness.send("inp", 1, pts=11)
    assert harness.take("out") == [5, 6]
    assert harness.eos().ended and harness.outputs["out"] == []
