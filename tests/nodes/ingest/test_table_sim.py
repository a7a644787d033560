"""ingest.table_sim in a small graph: video, reads and actions on one clock, faults seeded and counted."""

from __future__ import annotations

import pyarrow as pa

from ggpgfx.api import Graph
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import CARD_READS_SCHEMA, OperatorAction


def _run(frames: int, **params: object) -> tuple[object, list, list, list]:
    g = Graph("sim", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=640, height=360, **params)
    video = g.add("sink.collect", id="video", limit=100_000)
    reads = g.add("sink.collect", id="reads", limit=100_000)
    actions = g.add("sink.collect", id="actions", limit=100_000)
    sim.video >> video.inp
    sim.reads >> reads.inp
    sim.actions >> actions.inp
    result = g.run(max_frames=frames, realtime=False)
    return result, result.collected("video"), result.collected("reads"), result.collected("actions")


def test_phh_hand_plays_to_the_end_with_every_card_read() -> None:
    result, video, reads, actions = _run(2000, max_hands=1, action_interval_s=0.3, deal_interval_s=0.05)
    sim = result.instances["sim"]
    assert all(isinstance(f, VideoFrame) and f.format == "yuv420p" and f.width == 640 for f in video)
    video[0].check()
    pts = [f.pts for f in video]
    assert pts == sorted(pts) and pts[1] - pts[0] == round(1_000_000 / 30)
    kinds = [a.kind for a in actions if isinstance(a, OperatorAction)]
    assert kinds[0] == "start_hand" and kinds[-1] == "end_hand"
    assert actions[0].hand.seats[0].name == "Dan Matsuzuki"
    table = pa.concat_tables(reads)
    assert table.schema.equals(CARD_READS_SCHEMA)
    seat_cards = {(r["seat"], r["card"]) for r in table.to_pylist() if r["zone"] == "seat"}
    assert ("1", "Qd") not in seat_cards and (1, "Qd") in seat_cards and (2, "Ac") in seat_cards
    board = [r["card"] for r in table.to_pylist() if r["zone"] == "board"]
    assert board == ["Th", "Jc", "5h", "6c", "8s"]
    assert len(table) == len(sim.truth_reads)  # no faults asked: every read arrives once
    # the hand is visible: after the river every board card is on screen
    last_with_board = max(video, key=lambda f: len([c for c in f.meta["visible_cards"] if c[0] == "board"]))
    assert [c[2] for c in last_with_board.meta["visible_cards"] if c[0] == "board"] == board
    # frames change only when the table changes, and the picture really differs then
    changed = [f for f in video if f.meta["changed"]]
    assert 10 < len(changed) < len(video)
    assert (video[-1].planes[0] != video[0].planes[0]).any() or len(changed) > 0


def test_faults_are_seeded_and_visible() -> None:
    params = dict(source="random", max_hands=2, seed=5, action_interval_s=0.2, deal_interval_s=0.05,
                  miss_rate=0.2, duplicate_rate=0.2, late_rate=0.2, late_s=0.3)
    first = _run(3000, **params)
    second = _run(3000, **params)
    rows = [r for t in first[2] for r in t.to_pylist()]
    again = [r for t in second[2] for r in t.to_pylist()]
    assert rows == again  # same seed, same faults
    truth = first[0].instances["sim"].truth_reads
    keys = [(r["zone"], r["seat"], r["card"]) for r in rows]
    truth_keys = [(r["zone"], r["seat"], r["card"]) for r in truth]
    assert len(set(keys)) < len(set(truth_keys))  # some reads were missed
    assert len(keys) > len(set(keys))  # some were duplicated
    late = [r for r in rows if any(t["pts"] < r["pts"] and (t["zone"], t["seat"], t["card"]) ==
                                   (r["zone"], r["seat"], r["card"]) for t in truth)]
    assert late


def test_frames_are_fresh_buffers() -> None:
    _, video, _, _ = _run(5, max_hands=1)
    video[0].planes[0][:] = 0
    assert video[1].planes[0].max() > 0


def test_a_frame_for_several_consumers_shares_the_scene_until_it_changes() -> None:
    """Two consumers get each frame read-only anyway: frames until the table changes share one set of planes
    (no 3 MB copy a frame), a changed frame has new ones, and every frame shows what a lone consumer's does."""
    g = Graph("sim", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=640, height=360, max_hands=1, action_interval_s=0.3)
    one, two = g.add("sink.collect", id="one"), g.add("sink.collect", id="two")
    sim.video >> one.inp
    sim.video >> two.inp
    frames = g.run(max_frames=60, realtime=False).collected("one")
    _, alone, _, _ = _run(60, max_hands=1, action_interval_s=0.3)
    assert [f.pts for f in frames] == [f.pts for f in alone]
    for shared, own in zip(frames, alone, strict=True):
        assert all((a == b).all() for a, b in zip(shared.planes, own.planes, strict=True))
        assert not shared.planes[0].flags.writeable
    same = [b.planes[0] is a.planes[0] for a, b in zip(frames, frames[1:], strict=False)]
    changed = [f.meta["changed"] for f in frames[1:]]
    assert same == [not c for c in changed] and any(same) and not all(same)


def test_hole_card_camera_wall_is_read_by_a_second_detector() -> None:
    from collections import Counter

    g = Graph("holecams", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=640, height=360, max_hands=1, action_interval_s=0.3,
                hole_cams=True, cams_width=960, cams_height=540)
    cams = g.add("detect.cards", id="cams")
    frames, reads = g.add("sink.collect", id="frames", limit=5), g.add("sink.collect", id="reads")
    sim.cameras >> cams.video
    sim.cameras >> frames.inp
    cams.reads >> reads.inp
    result = g.run(realtime=False)
    wall = result.collected("frames")[-1]
    assert (wall.width, wall.height, wall.meta["camera"]) == (960, 540, "holecams")
    wall.check()
    truth = [(r["seat"], r["card"]) for r in result.instances["sim"].truth_reads if r["zone"] == "seat"]
    tables = result.collected("reads")
    got = [(r["seat"], r["card"]) for r in pa.concat_tables(tables).to_pylist()] if tables else []
    assert Counter(got) == Counter(truth)


def test_broadcast_view_hides_plates_and_hole_cards() -> None:
    """With plates off and cards face down, the overhead view shows no hole-card faces (nothing to leak)."""
    _, up, _, _ = _run(400, max_hands=1, action_interval_s=0.2)
    _, down, _, _ = _run(400, max_hands=1, action_interval_s=0.2, name_plates=False, hole_cards="down")
    assert any(zone == "seat" for f in up for zone, _, _ in f.meta["visible_cards"])
    assert not any(zone == "seat" for f in down for zone, _, _ in f.meta["visible_cards"])
    assert any(zone == "board" for f in down for zone, _, _ in f.meta["visible_cards"])
    shown = next(i for i, f in enumerate(up) if any(zone == "seat" for zone, _, _ in f.meta["visible_cards"]))
    assert abs(up[shown].planes[0].astype(int) - down[shown].planes[0].astype(int)).sum() > 0


def test_restore_resumes_the_same_simulation_mid_hand() -> None:
    """snapshot/restore (Ray restarts): a fresh simulator restored at frame k emits what the first one
    emitted from frame k on — the same reads, actions and pictures."""
    import numpy as np

    from ggpgfx.graph.registry import get_node_type
    from ggpgfx.testing import NodeHarness

    sim_type = get_node_type("ingest.table_sim")
    assert sim_type is not None
    params = sim_type.Params(width=640, height=360, max_hands=1, action_interval_s=0.2, deal_interval_s=0.05,
                             duplicate_rate=0.2, late_rate=0.2, miss_rate=0.1)

    def start(state: object | None) -> tuple[NodeHarness, list]:
        node = NodeHarness(sim_type, params, settings={"fps": 30})
        if state is not None:
            node.node.restore(state)
        return node, node.outputs.sequence

    def emitted(sequence: list) -> list:
        return [(port, msg.payload, msg.pts) for port, msg in sequence]

    first, first_seq = start(None)
    for _ in range(120):
        first.tick()
    state = first.node.snapshot()
    cut = len(first_seq)
    for _ in range(150):
        first.tick()
    second, second_seq = start(state)
    for _ in range(150):
        second.tick()
    first_out, second_out = emitted(first_seq), emitted(second_seq)

    def comparable(item: tuple) -> tuple:
        port, payload, pts = item
        if port == "video":
            return port, pts, [bytes(np.ascontiguousarray(p)) for p in payload.planes]
        if port == "reads":
            return port, pts, payload.to_pylist()
        return port, pts, payload.model_dump()

    assert second_out and [comparable(i) for i in second_out] == [comparable(i) for i in first_out[cut:]]
    assert any(port == "actions" for port, _, _ in second_out)  # the hand goes on after the cut


# in a fresh interpreter: this test process imported pyarrow long ago
PYARROW_AFTER_SETUP = """
import sys
from ggpgfx.graph.node import NodeContext
from ggpgfx.graph.registry import get_node_type

cls = get_node_type("ingest.table_sim")
outputs = frozenset(sys.argv[1].split(",")) - {""}
node = cls("sim", cls.Params(width=320, height=240, max_hands=1), NodeContext(connected_outputs=outputs))
assert "pyarrow" not in sys.modules
node.setup()
print("pyarrow" in sys.modules, "pandas" in sys.modules)
"""


def test_setup_loads_pyarrow_for_card_reads_only_when_reads_are_used() -> None:
    """The first read's table build imports pyarrow and pandas' shim (~0.35 CPU-s with the GIL): in setup, not
    mid-stream, where it held a live table's frames back by half a second (issue #21)."""
    import subprocess
    import sys

    def loaded(outputs: str) -> str:
        done = subprocess.run([sys.executable, "-c", PYARROW_AFTER_SETUP, outputs], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert loaded("video,reads,actions") == "True True"
    assert loaded("video,actions").startswith("False")
