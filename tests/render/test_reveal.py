"""Reveal rules: hole cards (and equity, labels, outs that imply them) never reach a live output early."""

from __future__ import annotations

import numpy as np

from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import TableState
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene

W, H = 1920, 1080


def _frame(state: TableState, reveal: str) -> VideoFrame:
    frame = VideoFrame.blank(W, H)
    scene = Scene(OverlayOptions(reveal=reveal, animate=False), W, H)  # type: ignore[arg-type]
    composite_layers(frame, scene.layers(state, 0))
    return frame


def _without_private_info(state: TableState) -> TableState:
    stripped = state.model_copy(deep=True)
    for seat in stripped.seats:
        if seat.revealed_to != "live":
            seat.hole_cards, seat.equity_win, seat.hand_label, seat.outs = [], None, None, None
    return stripped


def _card_region(scene: Scene, seat_index: int) -> tuple[slice, slice]:
    x0, y0 = scene.layout.origin("players")
    box_w, box_h = scene.layout.size("players")
    pitch = box_h + scene.layout.px(6)
    top = y0 + seat_index * pitch
    left = x0 + box_w - scene.layout.px(104 + 62 + 2)
    return slice(top, top + box_h), slice(left, left + scene.layout.px(104))


def test_live_output_never_shows_delayed_hole_cards() -> None:
    state = sample_state("allin")  # both all-in players' cards are revealed_to="delayed"
    live, delayed = _frame(state, "live"), _frame(state, "delayed")
    # the live frame is byte-identical to one drawn from a state that never had the cards
    blind = _frame(_without_private_info(state), "live")
    for a, b in zip(live.planes, blind.planes, strict=True):
        assert np.array_equal(a, b)
    scene = Scene(OverlayOptions(animate=False), W, H)
    rows, cols = _card_region(scene, 0)
    live_cards, delayed_cards = live.planes[0][rows, cols], delayed.planes[0][rows, cols]
    # card faces are near-white; backs are dark red: the delayed output shows faces, the live one none
    assert (delayed_cards > 225).sum() > 2000
    assert (live_cards > 225).sum() == 0
    assert np.abs(live_cards.astype(int) - delayed_cards.astype(int)).mean() > 20


def test_delayed_output_shows_what_live_may_not() -> None:
    state = sample_state("allin")
    live, delayed = _frame(state, "live"), _frame(state, "delayed")
    assert not np.array_equal(live.planes[0], delayed.planes[0])
    assert Scene(OverlayOptions(reveal="live", animate=False), W, H).wanted(state, 0).get("outs") is None
    assert Scene(OverlayOptions(reveal="delayed", animate=False), W, H).wanted(state, 0).get("outs") is not None


def test_tabled_cards_show_everywhere_and_none_nowhere() -> None:
    tabled = sample_state("showdown")  # revealed_to="live"
    for a, b in zip(_frame(tabled, "live").planes, _frame(tabled, "delayed").planes, strict=True):
        assert np.array_equal(a, b)
    secret = sample_state("allin")
    for seat in secret.seats:
        seat.revealed_to = "none"
    blind = _frame(_without_private_info(secret), "live")
    for a, b in zip(_frame(secret, "delayed").planes, blind.planes, strict=True):
        assert np.array_equal(a, b)
