"""The localiser's extra levels (round 6's candidate, off by default): a framed court card cut at every level."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ggpgfx.cards import locate
from ggpgfx.cards.locate import find_cards


def _framed_card_scene() -> tuple[np.ndarray, np.ndarray]:
    """Felt, a plain bright card, and a card whose thin margin runs into a dark frame line and drawing (a classic
    court card): its outline is cut into pieces at every luma level."""
    img = np.full((300, 400), 60, np.uint8)
    cv2.rectangle(img, (30, 60), (129, 199), 235, -1)  # a plain card, 100 x 140
    x0, y0, x1, y1 = 220, 60, 319, 199  # the framed card, 100 x 140
    cv2.rectangle(img, (x0, y0), (x1, y1), 200, -1)  # a dimmer paper
    cv2.rectangle(img, (x0 + 2, y0 + 2), (x1 - 2, y1 - 2), 25, 3)  # the frame line inside a 2 px margin
    for k in (1, 2, 3):  # the drawing touches the frame all round: square panels, no card-shaped piece
        cv2.line(img, (x0 + 2, y0 + 35 * k), (x1 - 2, y0 + 35 * k), 35, 4)
    for k in (1, 2):
        cv2.line(img, (x0 + 33 * k, y0 + 2), (x0 + 33 * k, y1 - 2), 35, 4)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    return img, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def _found(quads: list[locate.Quad], corners: np.ndarray) -> bool:
    centre = corners.mean(axis=0)
    return any(np.linalg.norm(np.array(q.centre()) - centre) < 8 for q in quads)


def test_default_levels_miss_a_card_cut_at_every_level() -> None:
    img, corners = _framed_card_scene()
    assert locate.LOWER == () and locate.CLOSE == 0  # off by default: it did not pass its gate (docs/cards.md)
    quads = find_cards(img, 300)
    assert _found(quads, np.array([[30, 60], [129, 60], [129, 199], [30, 199]], np.float32))
    assert not _found(quads, corners)


def test_a_closed_mask_finds_the_framed_card(monkeypatch: pytest.MonkeyPatch) -> None:
    img, corners = _framed_card_scene()
    monkeypatch.setattr(locate, "CLOSE", 5)
    quads = find_cards(img, 300)
    assert len(quads) == 2  # both cards, no piece of the framed one on its own
    framed = [q for q in quads if _found([q], corners)]
    # the outline found is the frame's (the 2 px margin blurs away at half resolution): within 8 % of the width
    assert framed and float(np.abs(np.sort(framed[0].corners, axis=0) - np.sort(corners, axis=0)).max()) < 8
