"""Runtime semantics every executor must keep: order, EOS, backpressure, drops, sync, latest, errors."""

from __future__ import annotations

import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import NodeError


def _chain(*types: tuple[str, dict], name: str = "t", **settings: object) -> tuple[Graph, list]:
    g = Graph(name, realtime=False, **settings)
    refs = [g.add(t, id=f"n{i}", **params) for i, (t, params) in enumerate(types)]
    for a, b in zip(refs, refs[1:], strict=False):
        g.connect(f"{a.id}.out", f"{b.id}.inp")
    return g, refs


def test_chain_preserves_order_and_reaches_eos(executor: str, scheduler: str) -> None:
    g, refs = _chain(("test.counter", {"count": 200}), ("util.passthrough", {}), ("util.passthrough", {}),
                     ("sink.collect", {}), scheduler=scheduler)
    result = g.run(executor)
    assert result.collected("n3") == list(range(200))
    assert result.nodes["n3"]["messages_in"] == 200
    assert all(s["state"] == "done" for s in result.nodes.values())


def test_eos_lets_nodes_flush(executor: str, scheduler: str) -> None:
    g, _ = _chain(("test.counter", {"count": 7}), ("test.flusher", {}), ("sink.collect", {}), scheduler=scheduler)
    assert g.run(executor).collected("n2") == list(range(7))


def test_block_policy_loses_nothing_behind_a_slow_node(executor: str, scheduler: str) -> None:
    g = Graph("bp", realtime=False, scheduler=scheduler)
    g.add("test.counter", id="src", count=60)
    g.add("test.slow", id="slow", seconds=0.002)
    g.add("sink.collect", id="sink")
    g.connect("src.out", "slow.inp", capacity=2, on_full="block")
    g.connect("slow.out", "sink.inp")
    result = g.run(executor)
    assert result.collected("sink") == list(range(60))
    assert result.nodes["slow"]["drops"] == 0


def test_drop_oldest_counts_drops_and_keeps_newest(executor: str) -> None:
    g = Graph("drop", realtime=False)
    g.add("test.counter", id="src", count=200)
    g.add("test.slow", id="slow", seconds=0.005)
    g.add("sink.collect", id="sink")
    g.connect("src.out", "slow.inp", capacity=2, on_full="drop_oldest")
    g.connect("slow.out", "sink.inp")
    result = g.run(executor)
    got = result.collected("sink")
    drops = result.nodes["slow"]["drops"]
    assert drops > 0
    assert len(got) + drops == 200  # every message either arrived or was counted as dropped
    assert got == sorted(got) and got[-1] == 199  # order kept; the newest survives


def test_sync_aligns_by_pts_and_drops_unmatched(executor: str) -> None:
    g = Graph("sync", realtime=False)
    g.add("test.counter", id="a", count=10, step_us=1000)  # pts 0, 1000, ... 9000
    g.add("test.counter", id="b", count=5, step_us=2000)  # pts 0, 2000, ... 8000
    g.add("test.pair", id="pair")
    g.add("sink.collect", id="sink")
    g.connect("a.out", "pair.a", capacity=100)
    g.connect("b.out", "pair.b", capacity=100)
    g.connect("pair.out", "sink.inp")
    pairs = g.run(executor).collected("sink")
    assert [(a, b, pts) for a, b, pts in pairs] == [(2 * i, i, 2000 * i) for i in range(5)]


def test_latest_input_gives_newest_state(executor: str) -> None:
    g = Graph("latest", realtime=False)
    g.add("test.counter", id="state", count=3)
    g.add("test.slow", id="later", seconds=0.02)
    g.add("test.counter", id="frames", count=3)
    g.add("test.latest", id="join")
    g.add("sink.collect", id="sink")
    g.connect("state.out", "join.state")
    g.connect("frames.out", "later.inp")
    g.connect("later.out", "join.inp")
    g.connect("join.out", "sink.inp")
    got = g.run(executor).collected("sink")
    assert [value for value, _ in got] == [0, 1, 2]
    assert got[-1][1] == 2  # by the time delayed frames arrive, the state input holds its newest value


def test_error_stops_graph_and_names_node_and_pts(executor: str, scheduler: str) -> None:
    g, _ = _chain(("test.endless", {}), ("test.fail", {"at": 5}), ("sink.collect", {}), scheduler=scheduler)
    with pytest.raises(NodeError) as info:
        g.run(executor)
    assert info.value.node_id == "n1"
    assert info.value.pts == 5000
    assert "node 'n1' at pts=5000us: ValueError: value 5 is not allowed" in str(info.value)


def test_max_frames_and_duration(executor: str) -> None:
    g, _ = _chain(("test.endless", {}), ("sink.collect", {}))
    assert len(g.run(executor, max_frames=25).collected("n1")) == 25
    g2, _ = _chain(("test.endless", {}), ("sink.collect", {}))
    got = g2.run(executor, duration_s=0.01).collected("n1")  # pts step 1 ms: 0..10 ms
    assert got == list(range(11))


def test_feedback_edge_does_not_block_eos(executor: str) -> None:
    g = Graph("fb", realtime=False)
    g.add("test.counter", id="src", count=5)
    g.add("test.loop", id="loop")
    g.add("sink.collect", id="sink")
    g.connect("src.out", "loop.inp")
    g.connect("loop.out", "sink.inp")
    g.connect("loop.out", "loop.back", delay=True)
    assert g.run(executor).collected("sink") == list(range(5))


def test_fused_scheduler_runs_chain_in_one_thread() -> None:
    from ggpgfx.graph.validate import resolve_spec
    from ggpgfx.runtime.local import LocalExecutor

    g, _ = _chain(("test.counter", {"count": 3}), ("util.passthrough", {}), ("sink.collect", {}), scheduler="fused")
    ex = LocalExecutor(resolve_spec(g.spec))
    assert [r.rnode.id for r in ex.threaded()] == ["n0"]
    result = ex.run()
    assert result.collected("n2") == [0, 1, 2]
    assert result.nodes["n2"]["state"] == "done"


def test_fan_out_frames_are_copy_on_write(executor: str, scheduler: str) -> None:
    """A frame sent to two consumers is read-only; a consumer that writes gets its own copy."""
    import numpy as np

    g = Graph("fanout", realtime=False, scheduler=scheduler)
    g.add("ingest.test_pattern", id="bars", width=64, height=48, frames=3)
    g.add("test.paint", id="paint")
    g.add("sink.collect", id="painted")
    g.add("sink.collect", id="clean")
    g.connect("bars.video", "paint.video")
    g.connect("bars.video", "clean.inp")
    g.connect("paint.video", "painted.inp")
    result = g.run(executor)
    painted, clean = result.collected("painted"), result.collected("clean")
    assert all(int(f.planes[0][0, 0]) == 0 for f in painted)
    assert all(int(f.planes[0][0, 0]) != 0 for f in clean)
    assert not np.shares_memory(painted[0].planes[0], clean[0].planes[0])
