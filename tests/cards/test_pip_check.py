"""The pip check: a number card named under the model's pip level whose pips say another number is unknown."""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from ggpgfx.cards.infer import UNKNOWN, CardClassifier
from ggpgfx.cards.locate import Quad
from ggpgfx.cards.pips import contradicts, count_pips

_SIDES = [(0.3, y) for y in (0.15, 0.38, 0.62, 0.85)] + [(0.7, y) for y in (0.15, 0.38, 0.62, 0.85)]
LAYOUTS = {10: _SIDES + [(0.5, 0.27), (0.5, 0.73)], 9: _SIDES + [(0.5, 0.5)],
           7: [(0.3, 0.15), (0.3, 0.5), (0.3, 0.85), (0.7, 0.15), (0.7, 0.5), (0.7, 0.85), (0.5, 0.32)]}


def _card(layout: list[tuple[float, float]], width: int = 120, turn: float = 20.0) -> tuple[np.ndarray, Quad]:
    """A white card with round pips (and a corner index blob) on felt, turned by `turn` degrees, and its quad."""
    h = round(width * 88 / 63)
    card = np.full((h, width), 235, np.uint8)
    for x, y in layout:
        cv2.circle(card, (round(x * width), round(y * h)), round(0.075 * width), 40, -1)
    cv2.rectangle(card, (3, 3), (round(0.12 * width), round(0.2 * h)), 40, -1)  # the index column
    return _place(card, turn)


def _place(card: np.ndarray, turn: float) -> tuple[np.ndarray, Quad]:
    """A card's luma turned by `turn` degrees on dark felt, slightly blurred, and its quad."""
    h, width = card.shape
    image = np.full((400, 400), 70, np.uint8)
    corners = np.array([[0, 0], [width, 0], [width, h], [0, h]], np.float32)
    turned = cv2.getRotationMatrix2D((width / 2, h / 2), turn, 1.0)
    turned[:, 2] += (200 - width / 2, 200 - h / 2)
    cv2.warpAffine(card, turned, (400, 400), image, borderMode=cv2.BORDER_TRANSPARENT)
    placed = cv2.transform(corners[None], turned)[0].astype(np.float32)
    return cv2.GaussianBlur(image, (0, 0), 0.8), Quad(placed, float(width * h), level=150.0)


@pytest.mark.parametrize("pips", [10, 9, 7])
def test_count_pips_of_a_drawn_number_card(pips: int) -> None:
    image, quad = _card(LAYOUTS[pips])
    assert count_pips(image, quad) == pips
    turned = Quad(quad.corners[[2, 3, 0, 1]], quad.area, level=quad.level)  # upside down: the same count
    assert count_pips(image, turned) == pips


def test_no_count_for_hidden_pips_or_a_small_card() -> None:
    hidden = [p for p in LAYOUTS[10] if p not in ((0.7, 0.15), (0.7, 0.38))]  # a chip over two pips
    image, quad = _card(hidden)
    assert count_pips(image, quad) is None  # eight pips, but two of them have no mirror image: no clean count
    image, quad = _card(LAYOUTS[10], width=50)
    assert count_pips(image, quad) is None  # under 60 px wide: not counted


def test_contradicts_only_a_number_card_read_as_another_number() -> None:
    image, quad = _card(LAYOUTS[10])
    assert contradicts("9c", image, quad)
    assert not contradicts("Tc", image, quad)
    assert not contradicts("Kc", image, quad)  # face cards and aces are never vetoed
    assert not contradicts("Ac", image, quad)


def test_a_ten_read_as_a_nine_is_vetoed_and_a_right_read_is_not(given_reads: Callable[..., CardClassifier]) -> None:
    reads = functools.partial(given_reads, pip_check=True)
    image, quad = _card(LAYOUTS[10])
    assert reads("9c", 0.98).read_quads([image], [quad]) == [(UNKNOWN, 0.98)]
    assert reads("Tc", 0.98).read_quads([image], [quad]) == [("Tc", 0.98)]
    assert reads("9c", 0.98).read_quads([image], [quad], pip_check=False) == [("9c", 0.98)]
    assert reads("9c", 0.9995).read_quads([image], [quad]) == [("9c", 0.9995)]  # at or over pip_level: as read
    reader = reads("9c", 0.98)
    reader.read_quads([image], [quad])
    assert (reader.pips_counted, reader.vetoed) == (1, 1)


def test_a_real_design_ten_of_clubs_counts_ten() -> None:
    from ggpgfx.cards.designs import available
    from ggpgfx.cards.synth import _card_luma

    if not available():
        pytest.skip("the KDE deck designs are not installed")
    # the validation designs' usual misread (docs/cards.md): their tens of clubs read as nines
    for design in ("tigullio", "gm-paris"):
        for card, pips in (("Tc", 10), ("9c", 9)):
            luma = cv2.resize(_card_luma(card, f"deck:{design}")[0], (110, 154), interpolation=cv2.INTER_AREA)
            image, quad = _place(np.clip(luma, 0, 255).astype(np.uint8), -15.0)
            assert count_pips(image, quad) == pips, (design, card)
