"""Real deck designs: rendered from the Debian KDE decks with rsvg-convert, split by role, used by the synthesiser."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.cards.designs import DESIGNS, _crop_card, design_card, designs, get_design
from ggpgfx.cards.synth import DESIGN_PREFIX, _card_luma
from ggpgfx.errors import ConfigError


def test_roles_hold_out_whole_designs() -> None:
    test, validation, train = designs("test"), designs("validation"), designs("train")
    assert len(test) >= 3 and validation and train
    assert not set(test) & set(train) and not set(validation) & set(train) and not set(test) & set(validation)
    assert all(d.licence for d in DESIGNS.values())
    with pytest.raises(ConfigError, match="unknown deck design 'nope'"):
        get_design("nope")


def test_a_card_renders_as_a_card_of_its_design() -> None:
    ace = design_card("standard", "As")
    ten = design_card("standard", "Td")
    assert ace.dtype == np.uint8 and ace.shape[2] == 4 and 1.3 < ace.shape[0] / ace.shape[1] < 1.5
    assert 210 <= ace.shape[1] <= 270  # zoomed to about 240 px: room to scale down
    assert ace[ace.shape[0] // 2, ace.shape[1] // 2, 3] == 255  # opaque inside
    h, w = min(ace.shape[0], ten.shape[0]), min(ace.shape[1], ten.shape[1])
    assert float(np.abs(ace[:h, :w, :3].astype(int) - ten[:h, :w, :3].astype(int)).mean()) > 5  # other faces
    luma, alpha = _card_luma("Kh", DESIGN_PREFIX + "jolly-royal")
    assert luma.shape == alpha.shape and luma.shape[1] == 160 and alpha.max() == 1.0


def test_crop_keeps_the_card_and_drops_stray_pixels() -> None:
    sheet = np.zeros((400, 500, 4), np.uint8)
    sheet[50:330, 100:300] = 255  # a 200 x 280 card
    sheet[10:20, 400:480] = 255  # a stray strip
    card = _crop_card(sheet)
    assert card is not None and card.shape[:2] == (280, 200)
    assert _crop_card(np.zeros((50, 50, 4), np.uint8)) is None
