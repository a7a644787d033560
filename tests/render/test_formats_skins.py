"""Chip formats, easing curves, the skin list and skin inheritance."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggpgfx.errors import ConfigError
from ggpgfx.render.formats import SHORT_UNITS, ease, format_chips, format_percent
from ggpgfx.render.skins import list_skins, load_skin


@pytest.mark.parametrize(("amount", "mode", "bb", "text"), [
    (1_234_500, "exact", 0, "1,234,500"),
    (1_234_500, "short", 0, "1.23M"),
    (965_000, "short", 0, "965k"),
    (12_500, "short", 0, "12.5k"),
    (800, "short", 0, "800"),
    (1_234_500, "bb", 20_000, "61.7 BB"),
    (2_000_000, "bb", 20_000, "100 BB"),
    (40_000, "bb", 20_000, "2 BB"),
    (5_000, "bb", 0, "5k"),
])
def test_chip_formats(amount: int, mode: str, bb: int, text: str) -> None:
    assert format_chips(amount, mode, bb) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(("amount", "text"), [
    # issue #22: whole numbers lost their trailing zeros (250,000 read as "25k")
    (250_000, "250k"), (120_000, "120k"), (500_000, "500k"), (100_000_000, "100M"), (999_999, "1M"),
    (1_000_000_000_000, "1000B"), (0, "0"), (999, "999"), (1_000, "1k"), (10_000, "10k"), (-250_000, "-250k"),
])
def test_short_keeps_the_zeros_of_whole_numbers(amount: int, text: str) -> None:
    assert format_chips(amount, "short") == text


def parse_short(text: str) -> tuple[float, float, float]:
    """A short text's amount, half a unit of its last shown digit (its rounding), and its number before the unit."""
    match = re.fullmatch(r"(-?)(\d+)(?:\.(\d+))?([kMB]?)", text)
    assert match, f"not a short amount: {text!r}"
    sign, whole, decimals, suffix = match.groups()
    unit = {name: size for size, name in SHORT_UNITS}[suffix]
    number = float(f"{whole}.{decimals or 0}")
    return number * unit * (-1 if sign else 1), 0.5 * unit / 10 ** len(decimals or ""), number


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.one_of(st.integers(0, 10**12), st.integers(0, 10**7),
                 st.integers(0, 12).map(lambda e: 10**e), st.integers(1, 12).map(lambda e: 10**e - 1),
                 st.integers(1, 999).flatmap(lambda m: st.integers(0, 9).map(lambda e: m * 10**e))))
def test_short_text_parses_back_within_its_rounding(amount: int) -> None:
    text = format_chips(amount, "short")
    value, rounding, number = parse_short(text)
    assert abs(value - amount) <= rounding * (1 + 1e-9), f"{amount:,} shown as {text!r}"
    assert number < 1000 or text.endswith("B"), f"{amount:,} shown as {text!r}: use the next unit"


def test_percent_and_easing() -> None:
    assert format_percent(0.4149) == "41%" and format_percent(0.004) == "<1%" and format_percent(None) == ""
    assert ease("linear", 0.25) == 0.25 and ease("ease_out_cubic", 0.5) == pytest.approx(0.875)
    assert ease("ease_in_out_cubic", 2.0) == 1.0 and ease("ease_out_back", 0.0) == pytest.approx(0.0)
    with pytest.raises(ConfigError, match="unknown easing"):
        ease("bounce", 0.5)


def test_list_skins_for_the_services() -> None:
    skins = {s["name"]: s for s in list_skins()}
    assert {"broadcast", "minimal"} <= set(skins)
    assert skins["broadcast"]["reference_size"] == [1920, 1080]
    assert skins["minimal"]["layouts"]["portrait"] == [1080, 1920]
    assert all(s["title"] and s["description"] for s in skins.values())


def test_minimal_extends_broadcast_and_ships_its_own_fonts_and_licence() -> None:
    minimal, broadcast = load_skin("minimal"), load_skin("broadcast")
    assert minimal.colors["panel"] != broadcast.colors["panel"]
    assert minimal.layouts["landscape"].elements["board"] == broadcast.layouts["landscape"].elements["board"]
    assert minimal.layouts["landscape"].elements["players"].w == 470
    assert minimal.font_path("badge").name == "DejaVuSansCondensed-Bold.ttf"  # broadcast's, found through extends
    for skin in (minimal, broadcast):
        assert skin.font_path("bold").is_file() and skin.font_path("bold").parent.parent == skin.folder
        assert (skin.folder / "LICENSE").read_text().count("Bitstream") >= 1
        assert skin.image_path("logo") is not None


def test_skin_folder_by_path_and_errors(tmp_path: Path) -> None:
    custom = tmp_path / "neon"
    custom.mkdir()
    (custom / "skin.yaml").write_text("name: neon\ntitle: Neon\nextends: broadcast\ncolors: {accent: '#ff00ff'}\n")
    skin = load_skin(str(custom))
    assert skin.colors["accent"] == "#ff00ff" and skin.font_path("bold").is_file()
    (custom / "skin.yaml").write_text("name: neon\ntitle: Neon\nextends: broadcast\nradius: wide\n")
    load_skin.cache_clear()
    with pytest.raises(ConfigError, match="radius"):
        load_skin(str(custom))


@pytest.mark.parametrize(("amount", "mode", "text"), [
    # halves round away from zero whatever the binary float of the quotient: 1.845 is stored as 1.84499...
    (1_845_000, "short", "1.85M"), (2_315_000, "short", "2.32M"), (1_235_000, "short", "1.24M"),
    (1_845_000.0, "short", "1.85M"), (-1_845_000, "short", "-1.85M"), (1_049, "short", "1.05k"),
    (1_235_000, "bb", "61.8 BB"), (1_234_500, "bb", "61.7 BB"), (2_010_000, "bb", "101 BB"),
    (62.5, "exact", "63"), (61.5, "exact", "62"),
])
def test_halves_round_the_same_way_every_time(amount: float, mode: str, text: str) -> None:
    assert format_chips(amount, mode, 20_000) == text  # type: ignore[arg-type]
