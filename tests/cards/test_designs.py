"""Real deck designs: rendered from the Debian KDE decks with rsvg-convert, split by role, used by the synthesiser."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ggpgfx.cards.designs import DESIGNS, _crop_card, design_card, design_installed, designs, get_design
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


def test_a_design_and_its_recoloured_twin_share_a_role() -> None:
    assert get_design("pokerth").role == get_design("pokerth-4c").role
    assert len(designs("validation")) >= 3  # the abstain threshold is chosen on more than one design


@pytest.mark.parametrize(("design", "card"), [("pokerth", "Td"), ("pokerth-4c", "As"), ("konqi-modern", "Qh"),
                                              ("gm-paris", "Js"), ("gm-paris", "7c"), ("bellot", "Qd"),
                                              ("bonded", "Tc"), ("aguilar", "Th"), ("kennard-jumbo-4c", "9d"),
                                              ("anglo", "Kh"), ("tango-nuevo", "Ts"), ("simplistic", "Qc")])
def test_every_kind_of_source_renders_a_card(design: str, card: str) -> None:
    if not design_installed(get_design(design)):
        pytest.skip(get_design(design).install_hint)
    rgba = design_card(design, card)
    assert rgba.dtype == np.uint8 and rgba.shape[2] == 4 and 210 <= rgba.shape[1] <= 270
    assert 1.3 < rgba.shape[0] / rgba.shape[1] < 1.6
    assert rgba[rgba.shape[0] // 2, rgba.shape[1] // 2, 3] == 255


def test_pokerth_files_are_numbered_diamonds_hearts_spades_clubs_two_to_ace() -> None:
    design = get_design("pokerth")
    if not design_installed(design):
        pytest.skip("apt-get install pokerth-data")
    from PIL import Image

    from ggpgfx.cards.designs import _png_folder_card

    for card, number in [("2d", 0), ("Ad", 12), ("2h", 13), ("Ks", 37), ("Ac", 51)]:
        expected = np.asarray(Image.open(design.path / f"{number}.png").convert("RGBA"))
        assert np.array_equal(_png_folder_card(design, card), expected), card
    # the four-colour twin draws diamonds blue: its 2 of diamonds is bluer than its 2 of hearts
    twin = get_design("pokerth-4c")
    diamond, heart = (_png_folder_card(twin, c)[..., :3].astype(int) for c in ("2d", "2h"))
    assert (diamond[..., 2] - diamond[..., 0]).mean() > (heart[..., 2] - heart[..., 0]).mean()


def test_a_missing_package_leaves_its_designs_out_with_a_warning(monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    from pathlib import Path

    from ggpgfx.cards import designs as module

    if not design_installed(DESIGNS["pokerth-4c"]):
        pytest.skip("apt-get install pokerth-data")
    monkeypatch.setattr(module, "CARDDECKS", Path("/nonexistent"))
    monkeypatch.setenv("GGP_DECK_SOURCES", "/nonexistent")
    gone = {name: replace(d, folder="/nonexistent") for name, d in DESIGNS.items()
            if name == "pokerth" or d.package == "gnome-cards-data"}
    monkeypatch.setattr(module, "DESIGNS", {**DESIGNS, **gone})
    with caplog.at_level("WARNING"):
        assert module.installed_designs("train") == ["pokerth-4c"]
    assert "apt-get install pokerth-data" in caplog.text and "apt-get install kdegames-card-data-kf5" in caplog.text
    assert "scripts/fetch-decks.sh (npm svg-cards@4.0.2)" in caplog.text  # the fetched designs say how to get them
    assert "apt-get install gnome-cards-data" in caplog.text


def test_fetched_files_are_named_by_rank_and_suit() -> None:
    """The npm decks spell ranks and suits their own ways: the file of a card is the right one."""
    assert get_design("aguilar").card_file("Td").name == "10D.svg"
    assert get_design("kennard").card_file("Td").name == "TD.svg"
    assert get_design("kennard-jumbo-4c").card_file("Ac").name == "AC.svg"
    assert get_design("bellot").element_form.format(rank="jack", suit="heart") == "heart_jack"


def test_a_missing_design_names_what_brings_it_and_rsvg_when_its_cards_are_svg() -> None:
    assert get_design("kennard").install_hint.startswith("scripts/fetch-decks.sh")
    assert "librsvg2-bin" in get_design("kennard").install_hint  # fetched SVG files need rsvg-convert too
    assert get_design("gm-paris").install_hint == "apt-get install kdegames-card-data-kf5 librsvg2-bin"
    assert "librsvg2-bin" not in get_design("pokerth").install_hint  # PNG cards: no SVG export
