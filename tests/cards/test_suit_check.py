"""The suit check: a number card whose centre pips clearly say another suit than the one read is unknown."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest

from ggpgfx.cards.infer import UNKNOWN, CardClassifier
from ggpgfx.cards.locate import Quad
from ggpgfx.cards.suits import contradicts, layouts, layouts_shown, pip_inks, pips_suit

OWN_PIP_STYLES = ("classic", "casino", "light", "serif-condensed")  # the project's styles with centre pips


def _placed(card: str, style: str, turn: float = -15.0, upside_down: bool = False) -> tuple[np.ndarray, Quad]:
    """A card of a style, 110 px wide, turned by `turn` degrees on dark felt, slightly blurred, and its quad."""
    from ggpgfx.cards.synth import _card_luma

    luma = np.clip(cv2.resize(_card_luma(card, style)[0], (110, 154), interpolation=cv2.INTER_AREA), 0, 255)
    h, w = luma.shape
    image = np.full((400, 400), 70, np.uint8)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    turned = cv2.getRotationMatrix2D((w / 2, h / 2), turn, 1.0)
    turned[:, 2] += (200 - w / 2, 200 - h / 2)
    cv2.warpAffine(luma.astype(np.uint8), turned, (400, 400), image, borderMode=cv2.BORDER_TRANSPARENT)
    placed = cv2.transform(corners[None], turned)[0].astype(np.float32)
    if upside_down:  # the localiser may give the outline from either short edge
        placed = placed[[2, 3, 0, 1]]
    return cv2.GaussianBlur(image, (0, 0), 0.8), Quad(placed, float(w * h), level=150.0)


@pytest.mark.parametrize("style", OWN_PIP_STYLES)
def test_own_styles_right_reads_are_never_vetoed(style: str) -> None:
    for rank in "2345679":
        for suit in "cdhs":
            for upside_down in (False, True):
                image, quad = _placed(rank + suit, style, upside_down=upside_down)
                assert not contradicts(rank + suit, image, quad), (style, rank + suit, upside_down)


@pytest.mark.parametrize("style", OWN_PIP_STYLES)
def test_own_styles_pips_rule_out_a_wrong_suit(style: str) -> None:
    # an own style's card may lie either way up, and a spade upside down looks like a heart with a stem: those
    # two stay open, the others are clear
    for rank in "79":
        for upside_down in (False, True):
            diamonds = _placed(rank + "d", style, upside_down=upside_down)
            assert all(pips_suit(rank + other, *diamonds) == "d" for other in "chs"), (style, rank, upside_down)
            clubs = _placed(rank + "c", style, upside_down=upside_down)
            assert contradicts(rank + "d", *clubs)
            hearts = _placed(rank + "h", style, upside_down=upside_down)
            assert contradicts(rank + "c", *hearts) and contradicts(rank + "d", *hearts)


def test_a_real_deck_turns_its_lower_pips_and_every_wrong_suit_is_ruled_out() -> None:
    from ggpgfx.cards.designs import available

    if not available():
        pytest.skip("the KDE deck designs are not installed")
    for design in ("dondorf", "nicu-white"):  # train designs: their pips are drawn the real way
        for rank in "579":
            for suit in "chs":
                for upside_down in (False, True):
                    image, quad = _placed(rank + suit, f"deck:{design}", upside_down=upside_down)
                    shown = layouts(pip_inks(image, quad) or [])
                    assert shown is not None
                    assert layouts_shown(*shown).tolist() == [True, False, False]  # only the lower half turned
                    assert not contradicts(rank + suit, image, quad)
                    assert all(pips_suit(rank + other, image, quad) == suit for other in "cdhs" if other != suit), \
                        (design, rank + suit, upside_down)


def test_no_clear_answer_is_no_veto() -> None:
    h, w = 154, 110
    card = np.full((h, w), 235, np.uint8)
    for x, y in [(0.3, 0.15), (0.7, 0.15), (0.3, 0.85), (0.7, 0.85), (0.3, 0.5), (0.7, 0.5)]:
        cv2.circle(card, (round(x * w), round(y * h)), 8, 40, -1)  # round blobs: no suit's shape
    image = np.full((400, 400), 70, np.uint8)
    image[120:120 + h, 140:140 + w] = card
    quad = Quad(np.array([[140, 120], [140 + w, 120], [140 + w, 120 + h], [140, 120 + h]], np.float32), w * h)
    assert pip_inks(image, quad) is not None  # the pips are found ...
    assert not any(contradicts("6" + suit, image, quad) for suit in "cdhs")  # ... and say no suit clearly
    small = cv2.resize(image, (200, 200), interpolation=cv2.INTER_AREA)
    corners = quad.corners / 2
    assert not contradicts("6s", small, Quad(corners, quad.area / 4))  # under 60 px wide: never judged
    image, quad = _placed("Kd", "classic")
    assert not contradicts("Ks", image, quad)  # face cards and aces are never judged


def test_a_wrong_suit_read_of_a_number_card_is_vetoed_and_a_right_read_is_not(given_reads: Callable[..., CardClassifier]) -> None:
    reads = functools.partial(given_reads, suit_check=True)
    image, quad = _placed("9d", "classic")
    assert reads("9c", 0.98).read_quads([image], [quad]) == [(UNKNOWN, 0.98)]
    assert reads("9d", 0.98).read_quads([image], [quad]) == [("9d", 0.98)]
    assert reads("9c", 0.98).read_quads([image], [quad], suit_check=False) == [("9c", 0.98)]
    assert reads("9c", 0.9995).read_quads([image], [quad]) == [("9c", 0.9995)]  # at or over pip_level: as read
    assert reads("9c", 0.8).read_quads([image], [quad]) == [(UNKNOWN, 0.8)]  # under the threshold: unknown anyway
    reader = reads("9c", 0.98)
    reader.read_quads([image], [quad])
    assert (reader.suits_checked, reader.suit_vetoed, reader.pips_counted) == (1, 1, 0)
    reader.pip_check = True  # both checks: the pips count nine, so the suit check judges it and vetoes
    reader.read_quads([image], [quad])
    assert (reader.suits_checked, reader.suit_vetoed, reader.pips_counted, reader.vetoed) == (2, 2, 1, 0)


def test_fit_shapes_learns_and_the_weights_round_trip(tmp_path: Any) -> None:
    from ggpgfx.cards.suits import SHAPE, fit_shapes, load_shapes

    rng = np.random.default_rng(3)
    centres = rng.normal(0, 1, (4, SHAPE * SHAPE + 1))
    suits = np.repeat(np.arange(4), 30)
    shapes = (centres[suits] + rng.normal(0, 0.3, (len(suits), SHAPE * SHAPE + 1))).astype(np.float32)
    learnt = fit_shapes(shapes, suits, steps=300)
    assert (learnt.log_probabilities(shapes).argmax(axis=1) == suits).all()
    learnt.save(tmp_path / "shapes.npz")
    again = load_shapes(str(tmp_path / "shapes.npz"))
    assert np.array_equal(again.weights, learnt.weights) and np.array_equal(again.bias, learnt.bias)
