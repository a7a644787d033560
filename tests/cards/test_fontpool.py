"""The training font pool (Debian font packages, glyph checks, DejaVu fallback) and the random deck styles."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from ggpgfx.cards import fontpool
from ggpgfx.cards.deck import FONTS_DIR, render_card
from ggpgfx.cards.fontpool import RANK_TEXTS, SUIT_TEXTS, font_pool, random_style, renders, style_for_name
from ggpgfx.cards.synth import FONT_STYLE_PREFIX, _card_luma
from ggpgfx.cards.train import TrainConfig, dataset_manifest, training_styles
from ggpgfx.errors import ConfigError

FREE_SANS = fontpool.FONT_PACKAGES["fonts-freefont-ttf"] / "FreeSans.ttf"
SYMBOLS = fontpool.FONT_PACKAGES["fonts-urw-base35"] / "D050000L.otf"  # dingbats: no Latin letters, no suits


@pytest.fixture
def pool() -> fontpool.FontPool:
    found = font_pool()
    if not found.packages:
        pytest.skip("apt-get install " + " ".join(fontpool.FONT_PACKAGES))
    return found


def test_the_pool_finds_the_packages_and_keeps_fonts_that_draw_the_glyphs(pool: fontpool.FontPool) -> None:
    assert set(pool.packages) == set(fontpool.FONT_PACKAGES)  # all four are in scripts/apt-packages.txt
    assert len(pool.rank_fonts) >= 20 and len(pool.suit_fonts) >= 10
    assert set(pool.suit_fonts) <= set(pool.rank_fonts)
    families = {Path(f).stem.split("-")[0].removesuffix("Bold").lower() for f in pool.rank_fonts}
    assert len(families) >= 12  # many typefaces, not one
    for path in pool.rank_fonts + pool.suit_fonts:
        assert Path(path).is_file() and "italic" not in path.lower() and "oblique" not in path.lower()
    for path in pool.suit_fonts[:5]:
        assert renders(path, SUIT_TEXTS) and renders(path, RANK_TEXTS)
    manifest = pool.manifest()
    assert manifest["packages"] == list(pool.packages) and len(manifest["rank_fonts"]) == len(pool.rank_fonts)


def test_glyph_check_rejects_missing_glyphs_and_the_notdef_box() -> None:
    assert renders(FONTS_DIR / "DejaVuSans.ttf", RANK_TEXTS + SUIT_TEXTS)
    assert not renders(FONTS_DIR / "nope.ttf", ("A",))  # not a font: rejected, no exception
    if FREE_SANS.is_file():  # FreeSans draws a visible .notdef box for what it lacks (a private-use code point)
        assert renders(FREE_SANS, ("A", "10"))
        assert not renders(FREE_SANS, ("\ue000",))
    if SYMBOLS.is_file():
        assert not renders(SYMBOLS, SUIT_TEXTS)


def test_missing_packages_fall_back_to_the_shipped_fonts_with_a_warning(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(fontpool, "FONT_PACKAGES", {"fonts-nothing": tmp_path / "absent"})
    fontpool.font_pool.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="ggpgfx.cards.fontpool"):
            pool = fontpool.font_pool()
        assert pool.packages == () and pool.rank_fonts and pool.suit_fonts
        assert all((FONTS_DIR / f).is_file() for f in pool.rank_fonts + pool.suit_fonts)
        assert "apt-get install fonts-nothing" in caplog.text
        style = random_style(3, 0, pool)
        assert style.rank_font in pool.rank_fonts
        assert np.asarray(render_card("Td", style, 80)).shape[1] == 80  # still renders
    finally:
        fontpool.font_pool.cache_clear()


def test_random_styles_are_seeded_reproducible_and_varied(pool: fontpool.FontPool) -> None:
    assert random_style(5, 7, pool) == random_style(5, 7, pool)
    styles = [random_style(5, i, pool) for i in range(40)]
    assert styles != [random_style(6, i, pool) for i in range(40)]
    assert len({s.rank_font for s in styles}) >= 15 and len({s.suit_font for s in styles}) >= 10
    assert {s.index_layout for s in styles} == {"stacked", "jumbo", "side"}
    assert {s.four_colour for s in styles} == {True, False}
    scales = [s.index_scale for s in styles]
    assert min(scales) < 0.6 and max(scales) > 1.0  # small indices, as the real test designs draw them
    assert style_for_name(f"{FONT_STYLE_PREFIX}5:7") == random_style(5, 7)
    with pytest.raises(ConfigError, match="bad random style name"):
        style_for_name("font:five")


def test_a_random_style_card_reaches_the_synthesiser(pool: fontpool.FontPool) -> None:
    luma, alpha = _card_luma("Qs", f"{FONT_STYLE_PREFIX}1:2")
    other, _ = _card_luma("Qs", f"{FONT_STYLE_PREFIX}1:3")
    assert luma.shape == alpha.shape and luma.shape[1] == 160 and alpha.max() == 1.0
    assert float(np.abs(luma - other).mean()) > 1.0  # another style draws another card


def test_training_lists_random_styles_at_their_share_and_the_manifest_names_the_pool(
        pool: fontpool.FontPool) -> None:
    plain, val, held = training_styles(TrainConfig())
    assert not any(s.startswith(FONT_STYLE_PREFIX) for s in plain)
    config = TrainConfig(font_styles=100, font_share=0.4, seed=9)
    styles, val2, held2 = training_styles(config)
    random_names = [s for s in styles if s.startswith(FONT_STYLE_PREFIX)]
    assert len(set(random_names)) == 100 and abs(len(random_names) / len(styles) - 0.4) < 0.08
    assert set(plain) <= set(styles) and (val2, held2) == (val, held)  # held-out styles and designs stay out
    assert not set(styles) & (set(val) | set(held))
    manifest = dataset_manifest(config)
    assert manifest["font_pool"]["seed"] == 9 and manifest["font_pool"]["styles"] == 100
    assert manifest["font_pool"]["packages"] == list(pool.packages)
    assert not any(s.startswith(FONT_STYLE_PREFIX) for s in manifest["train_styles"])
    assert dataset_manifest(TrainConfig())["font_pool"] is None
