"""Live graphics cues end to end: OperatorAction -> rules.poker -> render.overlay (ticker, lower third, leaderboard)."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from ggpgfx.api import Graph
from ggpgfx.graph.node import Node, Port, register_node
from ggpgfx.graph.registry import get_node_type
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup, TableState
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.scene import Scene

W, H = 640, 360
STEP_US = 100_000
SETUP = HandSetup(hand_number=1, seats=[SeatSetup(seat=1, name="Ann Lee", stack=5000),
                                       SeatSetup(seat=2, name="Bo Park", stack=3000)],
                  button=1, small_blind=50, big_blind=100)
ACTIONS = [
    OperatorAction(kind="start_hand", hand=SETUP),
    OperatorAction(kind="ticker", note="Final table, level 24"),
    OperatorAction(kind="lower_third", note="Ann Lee\n2019 champion"),
    OperatorAction(kind="leaderboard", shown=True),
    OperatorAction(kind="lower_third", note=""),
    OperatorAction(kind="leaderboard", shown=False),
    OperatorAction(kind="ticker", note="Break in ten minutes"),
]


class CueSource(Node):
    """Emit the first `count` of ACTIONS, one every STEP_US, as the operator node would."""

    type_name = "testcues.actions"
    outputs = {"actions": Port(OperatorAction)}

    class Params(BaseModel):
        count: int = len(ACTIONS)

    def setup(self) -> None:
        self.index = 0

    def tick(self) -> bool:
        if self.index >= self.params.count:
            return False
        self.emit("actions", ACTIONS[self.index].model_copy(update={"pts": self.index * STEP_US}),
                  pts=self.index * STEP_US)
        self.index += 1
        return self.index < self.params.count


if get_node_type(CueSource.type_name) is None:
    register_node(CueSource)


def _states(count: int = len(ACTIONS)) -> list[TableState]:
    g = Graph("cues", realtime=False)
    source = g.add("testcues.actions", id="src", count=count)
    game = g.add("rules.poker", id="game", equity=False)
    sink = g.add("sink.collect", id="states")
    source.actions >> game.actions
    game.state >> sink.inp
    states: list[TableState] = g.run().collected("states")
    assert len(states) == count
    return states


def _drawn(scene: Scene, state: TableState, pts: int) -> dict[str, set[str]]:
    """Texts drawn this frame, by element name."""
    out: dict[str, set[str]] = {}
    for name, item in scene.drawn(scene.update(state, pts), pts):
        if item.kind == "text":
            out.setdefault(name, set()).add(item.value)
    return out


def test_cues_reach_the_draw_record() -> None:
    states = _states()
    assert (states[0].ticker, states[0].lower_third, states[0].leaderboard_shown) == (None, None, None)
    assert states[-1].ticker == "Break in ten minutes" and states[-1].lower_third == ""
    assert states[-1].leaderboard_shown is False
    # the params say otherwise: the live cue wins once one was sent
    scene = Scene(OverlayOptions(animate=False, ticker="from the params", lower_third_title="Param title"), W, H)
    frames = [_drawn(scene, state, index * STEP_US) for index, state in enumerate(states)]
    assert frames[0]["ticker"] - {"LIVE"} == {"from the params"} and "Param title" in frames[0]["lower_third"]
    assert "leaderboard" not in frames[0]  # auto: not during a hand
    assert frames[1]["ticker"] - {"LIVE"} == {"Final table, level 24"}
    assert {"Ann Lee", "2019 champion"} <= frames[2]["lower_third"]
    assert "Param title" not in frames[2]["lower_third"]
    assert {"ANN LEE", "BO PARK", "4,950"} <= frames[3]["leaderboard"]
    assert "lower_third" not in frames[4] and "leaderboard" in frames[4]  # cleared (animate off: gone at once)
    assert "leaderboard" not in frames[5]
    assert frames[6]["ticker"] - {"LIVE"} == {"Break in ten minutes"}


def test_empty_ticker_cue_hides_the_param_ticker() -> None:
    state = TableState(ticker="")
    scene = Scene(OverlayOptions(animate=False, ticker="from the params"), W, H)
    assert "ticker" not in _drawn(scene, state, 0)
    assert _drawn(scene, TableState(), STEP_US)["ticker"] == {"from the params"}  # no label unless one is set


def test_overlay_node_draws_the_live_ticker() -> None:
    count = 3  # start, ticker, lower third
    g = Graph("cues-overlay", fps=50)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=25, moving=False)
    source = g.add("testcues.actions", id="src", count=count)
    game = g.add("rules.poker", id="game", equity=False)
    # inline drawing: the last frame is compared pixel for pixel (the background renderer has its own tests)
    g.add("render.overlay", id="gfx", animate=False, in_place=False, render_thread="off")
    g.add("sink.collect", id="out")
    g.connect("cam.video", "gfx.video")
    source.actions >> game.actions
    g.connect("game.state", "gfx.state")
    g.connect("gfx.video", "out.inp")
    result = g.run(realtime=True)
    assert result.error is None
    last = result.collected("out")[-1]
    final = _states(count)[-1]
    assert final.ticker == "Final table, level 24"

    from ggpgfx.media.pattern import bars_planes

    def expected(state: TableState) -> VideoFrame:
        frame = VideoFrame(bars_planes(W, H, "yuv420p"), "yuv420p", W, H, last.pts)
        scene = Scene(OverlayOptions(animate=False), W, H)
        scene.first_pts = 0
        composite_layers(frame, scene.layers(state, last.pts))
        return frame

    want = expected(final)
    assert all(np.array_equal(a, b) for a, b in zip(last.planes, want.planes, strict=True))
    without = expected(final.model_copy(update={"ticker": None, "lower_third": None}))
    assert not np.array_equal(last.planes[0], without.planes[0])
