"""The overlay's scene calls, recorded so a later re-render draws exactly what the live overlay drew.

A live overlay's picture depends on which TableState was the newest when each frame was drawn and on
the states it drew between frames (animations start at those times), which depends on thread timing.
`render.overlay` therefore emits a `SceneCall` for every scene update that is not a plain repeat: each
state drawn between frames (`between`, at the previous frame's pts), each frame whose state, tournament
or countdown changed (`frame`) and, when the background renderer draws state changes (real-time runs),
each of its `Scene.wanted` calls with the last frame drawn before it (`wanted`: count-ups and clocks move
there). `SceneReplay` plays such a list back onto a fresh `Scene` frame by frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict

from ggpgfx.poker.messages import TableState
from ggpgfx.render.layers import Layer
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.scene import Scene
from ggpgfx.tournament.state import TournamentState


class SceneCall(BaseModel):
    """One recorded scene update of a live overlay."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["frame", "between", "wanted"]
    #: frame: the frame's pts; between: the pts the scene was updated at (the previous frame's)
    pts: int
    #: the overlay's call order (a 'between' call and the next frame can share a pts)
    index: int
    state: TableState | None = None
    tournament: TournamentState | None = None
    #: between: False when only the tournament was applied (the background renderer draws the state)
    update: bool = True
    #: wanted (the background renderer asked the scene what to draw): pts of the last frame drawn before it
    after: int | None = None
    countdown: tuple[float, float] | None = None
    #: frame: the camera's board boxes (x0, y0, x1, y1) the player column skips at this frame
    keep_clear: list[tuple[int, int, int, int]] | None = None
    #: the overlay's options and output size, on the first call only
    options: dict[str, Any] | None = None
    size: tuple[int, int] | None = None


class SceneReplay:
    """Play recorded scene calls back onto a Scene: `layers(pts)` for each frame in order, as live."""

    def __init__(self, calls: Sequence[SceneCall], options: OverlayOptions, width: int, height: int,
                 first_pts: int | None = None) -> None:
        self.calls = sorted(calls, key=lambda c: c.index)
        self.scene = Scene(options, width, height)
        if first_pts is not None:
            self.scene.first_pts = first_pts  # the ticker scrolls from the live run's first frame
        self.position = 0
        self.state: TableState | None = None
        self.tournament: TournamentState | None = None

    def _advance(self, pts: int) -> None:
        """Apply the calls that happened before the frame at `pts` (all of them up to and including its own)."""
        calls = self.calls
        while self.position < len(calls):
            call = calls[self.position]
            if call.kind == "between" and call.pts < pts:
                self.scene.set_tournament(call.tournament, call.pts)
                if call.update:
                    self.scene.update(call.state, call.pts)  # layer conversions are a cache: same picture
            elif call.kind == "wanted" and (call.after if call.after is not None else -1) < pts:
                self.scene.wanted(call.state, call.pts)  # count-ups and clocks move as they did live
            elif call.kind == "frame" and call.pts <= pts:
                self.state, self.tournament = call.state, call.tournament
                self.scene.countdown = call.countdown
                if call.keep_clear is not None:
                    self.scene.set_keep_clear(tuple(call.keep_clear))
            else:
                break
            self.position += 1

    def skip(self, pts: int) -> None:
        """Bring the scene to just before the frame at `pts` without drawing frames (a hand's pre-roll)."""
        self._advance(pts)

    def update(self, pts: int) -> None:
        """Advance the scene through the frame at `pts` without converting layers (pre-roll frames)."""
        self._advance(pts)
        self.scene.set_tournament(self.tournament, pts)
        self.scene.update(self.state, pts)

    def layers(self, pts: int) -> list[Layer]:
        """The layers of the frame at `pts`, exactly as the live overlay composited them."""
        self._advance(pts)
        self.scene.set_tournament(self.tournament, pts)
        return self.scene.layers(self.state, pts)

    def images(self, pts: int) -> list[tuple[Image.Image, int, int, float]]:
        """The frame at `pts` as RGBA images with positions and opacity (graphics-only output)."""
        self._advance(pts)
        self.scene.set_tournament(self.tournament, pts)
        return self.scene.images(self.state, pts)

    def state_at(self, pts: int) -> TableState | None:
        """The state the frame at `pts` showed (after `layers(pts)` or `update(pts)`)."""
        return self.state


def options_of(calls: Sequence[SceneCall]) -> tuple[OverlayOptions, tuple[int, int]]:
    """The overlay options and output size recorded with the first call."""
    for call in sorted(calls, key=lambda c: c.index):
        if call.options is not None and call.size is not None:
            return OverlayOptions(**call.options), call.size
    raise ValueError("the recorded scene calls carry no overlay options (was the overlay's 'scene' output wired?)")
