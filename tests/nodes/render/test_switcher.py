"""render.switcher: director rules (actor's camera, board on all-in, operator override), cut and dissolve."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from ggpgfx.nodes.render.switcher import Switcher, dissolve

from ggpgfx.api import Graph
from ggpgfx.errors import ConfigError
from ggpgfx.graph.node import Message
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import OperatorAction
from ggpgfx.render.samples import sample_state
from ggpgfx.testing import NodeHarness

sys.path.insert(0, str(Path(__file__).parent))
from states import ensure_registered  # noqa: E402

ensure_registered()


def test_director_follows_the_action_then_goes_to_the_board() -> None:
    g = Graph("switch", fps=50)
    for cam in ("cam1", "cam2", "board"):
        g.add("ingest.test_pattern", id=f"src_{cam}", width=160, height=120, frames=75, moving=False)
        g.add("sink.collect", id=f"raw_{cam}")
        g.connect(f"src_{cam}.video", f"mix.{cam}")
        g.connect(f"src_{cam}.video", f"raw_{cam}.inp")
    # preflop with seat 4 to act, then seat 1 to act, then a heads-up all-in run-out
    g.add("test.table_states", id="table", samples=["preflop", "preflop", "allin"], to_act=[4, 1, None],
          interval_us=400_000)
    g.add("render.switcher", id="mix", seat_cameras={4: "cam2", 1: "cam1"})
    g.add("sink.collect", id="out")
    g.connect("table.state", "mix.state")
    g.connect("mix.video", "out.inp")
    result = g.run(realtime=True)
    assert result.error is None
    frames = result.collected("out")
    cameras = [f.meta["camera"] for f in frames]
    order = [c for i, c in enumerate(cameras) if i == 0 or cameras[i - 1] != c]
    assert order[-3:] == ["cam2", "cam1", "board"], order
    assert all(f.pts > frames[i].pts for i, f in enumerate(frames[1:])), "pts must increase"
    # every program frame carries the pixels of the camera it names (planes are shared, not copied)
    sources = {cam: {id(f.planes[0]) for f in result.collected(f"raw_{cam}")} for cam in ("cam1", "cam2", "board")}
    assert all(id(f.planes[0]) in sources[c] for f, c in zip(frames, cameras, strict=True))


def _node(**params: Any) -> NodeHarness:
    return NodeHarness(Switcher, Switcher.Params(**params))


def _frame(value: int, pts: int) -> Message:
    frame = VideoFrame.blank(64, 48, pts=pts)
    frame.planes[0][:] = value
    return Message(frame, pts, 0, 0)


def _program(node: NodeHarness) -> list[VideoFrame]:
    return node.outputs["video"]


def test_operator_override_wins_until_released() -> None:
    node = _node(seat_cameras={1: "cam2"})
    node.send("state", sample_state("allin"), pts=0)  # rules say: board
    node.send("board", _frame(30, 0))
    node.send("actions", OperatorAction(kind="camera", camera="cam3"), pts=10)
    node.send("board", _frame(30, 20))
    node.send("cam3", _frame(90, 20))
    node.send("actions", OperatorAction(kind="camera", camera="auto"), pts=30)
    node.send("cam3", _frame(90, 40))
    node.send("board", _frame(30, 40))
    assert [f.meta["camera"] for f in _program(node)] == ["board", "cam3", "board"]


def test_dissolve_mixes_over_its_duration() -> None:
    node = _node(transition="dissolve", dissolve_ms=100)
    node.send("cam1", _frame(100, 0))
    node.send("state", sample_state("allin"), pts=0)
    node.send("board", _frame(200, 50_000))  # the cut happens here
    node.send("board", _frame(200, 100_000))
    node.send("board", _frame(200, 150_000))
    lumas = [int(f.planes[0][0, 0]) for f in _program(node)]
    assert lumas[0] == 100 and lumas[1] == 100 and 100 < lumas[2] < 200 and lumas[3] == 200
    mixed = dissolve(_frame(0, 0).payload, _frame(200, 0).payload, 0.25)
    assert int(mixed.planes[0][0, 0]) == 50


def test_unknown_camera_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown camera 'cam9'"):
        _node(seat_cameras={1: "cam9"})


def test_program_pts_never_go_backwards_across_a_cut() -> None:
    node = _node()
    switcher = node.node
    assert isinstance(switcher, Switcher)
    program = switcher.current
    for pts in (100_000, 50_000, 150_000, 150_000):  # a late frame, then a repeat of the same pts
        node.send(program, _frame(70, pts))
    assert [f.pts for f in _program(node)] == [100_000, 150_000]
    assert switcher.late_frames == 2


def test_while_the_chosen_camera_is_silent_the_wide_shot_goes_out_named_as_itself() -> None:
    """The director picks a camera that has sent nothing yet: the default camera's frame stays on air, and its
    meta names the camera it came from (under load the chosen camera's first frame can be late)."""
    node = _node(seat_cameras={4: "cam2"})
    state = sample_state("preflop")
    state.to_act = 4  # the rules say: cam2, which has sent nothing so far
    node.send("state", state, pts=0)
    switcher = node.node
    assert isinstance(switcher, Switcher)
    wide = _frame(30, 10_000_000)  # past the minimum hold: the cut to cam2 happens on this frame
    node.send(switcher.params.default, wide)
    assert switcher.current == "cam2"
    node.send("cam2", _frame(90, 10_020_000))
    program = _program(node)
    assert [f.meta["camera"] for f in program] == [switcher.params.default, "cam2"]
    assert program[0].planes[0] is wide.payload.planes[0] and int(program[1].planes[0][0, 0]) == 90
