"""Deck styles, the YUV blits the simulator draws with, and the table layout's zones."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ggpgfx.cards.deck import ALL_STYLES, HELD_OUT_STYLES, TRAIN_STYLES, get_style, render_back, render_card
from ggpgfx.cards.scene import TableLayout
from ggpgfx.cards.yuv import blit, rgb_image_to_planes, to_yuva, yuv_colour
from ggpgfx.errors import ConfigError
from ggpgfx.poker.cards import FULL_DECK


def test_every_style_renders_every_card_distinctly() -> None:
    assert not set(TRAIN_STYLES) & set(HELD_OUT_STYLES)
    for style in ALL_STYLES.values():
        images = {card: np.asarray(render_card(card, style, 60)) for card in FULL_DECK}
        assert all(img.shape == (84, 60, 4) for img in images.values())
        assert len({img.tobytes() for img in images.values()}) == 52
        assert images["Ah"][0, 0, 3] == 0 and images["Ah"][42, 30, 3] == 255  # rounded corner, opaque body


def test_four_colour_decks_colour_clubs_and_diamonds() -> None:
    four, two = get_style("broadcast"), get_style("classic")
    for card, colour in (("Tc", four.club), ("Td", four.diamond)):
        ink = np.asarray(render_card(card, four, 120))[..., :3].reshape(-1, 3)
        assert (np.abs(ink.astype(int) - colour).sum(axis=1) < 30).sum() > 50
    ink = np.asarray(render_card("Tc", two, 120))[..., :3].reshape(-1, 3)
    assert (np.abs(ink.astype(int) - four.club).sum(axis=1) < 30).sum() == 0
    assert np.asarray(render_back(60)).shape == (84, 60, 4)
    with pytest.raises(ConfigError):
        render_card("1x", two)
    with pytest.raises(ConfigError, match="unknown deck style"):
        get_style("nope")


def test_opaque_blit_matches_whole_image_conversion_and_alpha_zero_is_a_no_op() -> None:
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (16, 20, 3), dtype=np.uint8))
    expected = rgb_image_to_planes(rgb)
    planes = [np.full((32, 40), 16, np.uint8), np.full((16, 20), 128, np.uint8), np.full((16, 20), 128, np.uint8)]
    blit(planes, to_yuva(rgb), 10, 6)
    for got, want, (y, x) in zip(planes, expected, ((6, 10), (3, 5), (3, 5)), strict=True):
        h, w = want.shape
        assert np.abs(got[y:y + h, x:x + w].astype(int) - want).max() <= 1
    clear = np.zeros((16, 20, 4), np.uint8)
    before = [p.copy() for p in planes]
    blit(planes, to_yuva(clear), 0, 0)
    blit(planes, to_yuva(rgb), 1000, 1000)  # fully outside: clipped away
    assert all((a == b).all() for a, b in zip(planes, before, strict=True))
    assert yuv_colour((255, 255, 255)) == (235, 128, 128) and yuv_colour((0, 0, 0)) == (16, 128, 128)


def test_layout_zones_hold_their_cards_and_do_not_overlap() -> None:
    layout = TableLayout(1920, 1080)
    zones = layout.zones()
    assert [z.name for z in zones] == [f"seat{s}" for s in range(1, 11)] + ["board"]
    boxes = [(z.polygon[0], z.polygon[2]) for z in zones]
    for i, ((ax0, ay0), (ax1, ay1)) in enumerate(boxes):
        assert 0 <= ax0 < ax1 <= 1920 and 0 <= ay0 < ay1 <= 1080
        for (bx0, by0), (bx1, by1) in boxes[i + 1:]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
        x, y = layout.seat_cards_origin(i + 1) if i < 10 else layout.board_origin()
        assert ax0 < x and x + layout.card_w < ax1 and ay0 < y and y + layout.card_h < ay1
