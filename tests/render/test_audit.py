"""The on-air checks: what the layout drew against the state, overlaps, title-safe, venue comparisons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ggpgfx.media.frames import VideoFrame
from ggpgfx.render import audit
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import SAMPLES, sample_state
from ggpgfx.render.scene import Scene

SIZES = [(1920, 1080), (1280, 720), (1080, 1920)]


def _check(scene: Scene, state_name: str) -> list[audit.Finding]:
    state = sample_state(state_name)
    placed = scene.update(state, 0)
    drawn = scene.drawn(placed, 0)
    return audit.check_values(drawn, state, scene) + audit.check_layout(placed, drawn, scene)


@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
@pytest.mark.parametrize("size", SIZES)
def test_every_sample_is_right_on_air(skin: str, size: tuple[int, int]) -> None:
    for name in SAMPLES:
        for reveal in ("live", "delayed"):
            scene = Scene(OverlayOptions(skin=skin, reveal=reveal, animate=False, ticker="Final table",  # type: ignore[arg-type]
                                         chip_strip="on", action_clock_s=30, delay_s=30.0,
                                         lower_third_title="Hand 42"), *size)
            findings = _check(scene, name)
            assert not findings, f"{skin} {size} {name} {reveal}: {findings[0].message}"


def test_a_short_amount_that_lost_its_zeros_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from ggpgfx.render.elements import players

    # the formatter of issue #22: trailing zeros stripped from whole numbers (250,000 -> "25k")
    def old_short(amount: float, mode: str = "exact", big_blind: int = 0) -> str:
        value = amount / 1000
        return f"{value:.0f}".rstrip("0").rstrip(".") + "k" if amount >= 1000 else str(amount)

    monkeypatch.setattr(players, "format_chips", old_short)
    scene = Scene(OverlayOptions(skin="minimal", animate=False), 1920, 1080)
    state = sample_state("preflop")
    state.seats[0].stack = 250_000
    findings = audit.check_values(scene.drawn(scene.update(state, 40_000), 40_000), state, scene)
    assert any("'25k' reads 25,000 but the state says 250,000" in f.message for f in findings), findings


def test_a_wrong_card_name_or_percent_is_caught() -> None:
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    state = sample_state("allin")
    drawn = scene.drawn(scene.update(state, 0), 0)
    lying = state.model_copy(deep=True)  # the state says something else than what was drawn
    lying.seats[0].name, lying.seats[0].hole_cards, lying.seats[1].equity_win = "Phil Ivey", ["2c", "2d"], 0.2
    lying.board = ["7h", "Qh", "3c"]
    messages = " | ".join(f.message for f in audit.check_values(drawn, lying, scene))
    assert "but seat 1 is 'Phil Ivey'" in messages and "cards ['Ah', 'Kh']" in messages
    assert "62% but equity is 0.2000" in messages and "board ['7h', 'Qh', '2c']" in messages
    lying = state.model_copy(deep=True)
    lying.seats[1].last_action = "Raise 500,000"
    messages = " | ".join(f.message for f in audit.check_values(drawn, lying, scene))
    assert "seat 2 badge: 'CALL' but the state says 'RAISE 500,000'" in messages
    lying = state.model_copy(deep=True)  # the hand is over: the bets are in the pot, the badges of this round go
    lying.street, lying.winnings = "complete", {1: 3_700_000}
    for seat in lying.seats:
        seat.bet = 0
    messages = " | ".join(f.message for f in audit.check_values(drawn, lying, scene))
    assert "seat 1 badge: 'ALL IN 1,845,000' where the seat won 3,700,000" in messages
    assert "seat 2 badge: 'CALL' but the state says 'no action'" in messages


def _skin(tmp_path: Path, name: str, body: str) -> str:
    folder = tmp_path / name  # skins are cached by path: one folder per skin
    folder.mkdir()
    (folder / "skin.yaml").write_text("name: crowded\ntitle: Crowded\nextends: broadcast\n" + body)
    return str(folder)


def test_overlaps_and_the_title_safe_area(tmp_path: Path) -> None:
    crowded = _skin(tmp_path, "crowded", "layouts:\n  landscape:\n    elements:\n"
                              "      board: {x: 300, y: 120, w: 560, h: 176}\n"
                              "      sponsors: {x: 10, y: 1000, w: 240, h: 76}\n")
    findings = _check(Scene(OverlayOptions(skin=crowded, animate=False), 1920, 1080), "preflop")
    checks = {(f.check, f.element) for f in findings}
    assert ("overlap", "board+seat:1") in checks and ("title_safe", "sponsors") in checks
    declared = _skin(tmp_path, "declared", "overlaps: [[board, players]]\nlayouts:\n  landscape:\n    elements:\n"
                               "      board: {x: 300, y: 120, w: 560, h: 176}\n")
    findings = _check(Scene(OverlayOptions(skin=declared, animate=False), 1920, 1080), "preflop")
    assert not [f for f in findings if f.check == "overlap"]


def test_camera_text_under_the_overlay_is_an_overlap() -> None:
    scene = Scene(OverlayOptions(animate=False), 1280, 720)
    placed = scene.update(sample_state("preflop"), 0)
    plate = (80, 90, 166, 20)  # a name plate of the table camera under the first player box
    findings = audit.check_layout(placed, scene.drawn(placed, 0), scene, [plate])
    assert [f.element for f in findings] == ["seat:1+camera"]


def test_text_running_into_text_is_caught() -> None:
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    placed = scene.update(sample_state("preflop"), 0)
    drawn = scene.drawn(placed, 0)
    name = next(item for element, item in drawn if element == "seat:1" and item.role == "name")
    clash = audit.Drawn("text", (name.box[0] + 4, name.box[1] + 2, 80, 12), "RAISE TO 1,150", "action")
    findings = audit.check_layout(placed, [*drawn, ("seat:1", clash)], scene)
    assert [f.message for f in findings] == [f"seat:1: {name.value!r} runs into 'RAISE TO 1,150'"]


def test_differing_areas_and_the_failure_png(tmp_path: Path) -> None:
    one, two = VideoFrame.blank(64, 32), VideoFrame.blank(64, 32)
    two.planes[2][5, 5] = 40  # a chroma difference at (10, 10) in luma pixels
    assert audit.differing_areas(one.planes, two.planes, [(8, 8, 4, 4), (30, 8, 4, 4)]) == [(8, 8, 4, 4)]
    stripped = audit.strip_hole_cards(sample_state("showdown"))
    assert all(s.hole_cards == [] for s in stripped.seats if s.revealed_to != "live")
    png = audit.write_failure_png(tmp_path / "f.png", one.planes, [audit.Finding("overlap", "x", "m",
                                                                                ((20, 10, 10, 10),))])
    pixels = np.asarray(Image.open(png))
    assert pixels.shape == (32, 64, 3) and tuple(pixels[8, 25]) == (255, 32, 32) and pixels[20, 40][0] < 50


@pytest.mark.parametrize(("text", "mode", "bb", "value"), [
    ("1,234,500", "exact", 0, (1_234_500, 0.5)), ("250k", "short", 0, (250_000, 500)),
    ("1.23M", "short", 0, (1_230_000, 5_000)), ("61.7 BB", "bb", 20_000, (1_234_000, 1_000)),
])
def test_parse_amount(text: str, mode: str, bb: int, value: tuple[float, float]) -> None:
    assert audit.parse_amount(text, mode, bb) == pytest.approx(value)
    with pytest.raises(ValueError):
        audit.parse_amount("12.5.3k", mode, bb)


def test_any_element_over_the_cameras_board_is_an_overlap() -> None:
    """Not only player boxes: a panel of any element covering the frame's board zone is caught."""
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    placed = scene.update(sample_state("preflop"), 0)
    x, y, w, h = audit.footprints(placed)["board"]
    scene.set_keep_clear(((x + 20, y + 20, x + 120, y + 80),))  # a camera whose board lies under the board panel
    placed = scene.update(sample_state("preflop"), 0)
    findings = audit.check_layout(placed, scene.drawn(placed, 0), scene)
    assert "board+camera" in [f.element for f in findings]


def test_cut_text_is_caught() -> None:
    """An ellipsis on anything but a name, or a text reaching past its element, is cut text on air."""
    from ggpgfx.render.draw import Drawn
    from ggpgfx.render.scene import Placed

    panel = Placed(Image.new("RGBA", (200, 40)), 100, 100, 1.0, None, "blinds_clock")  # type: ignore[arg-type]
    drawn = [("blinds_clock", Drawn("text", (110, 110, 80, 20), "BB ANTE 1,0\u2026", "ante")),
             ("blinds_clock", Drawn("text", (110, 110, 80, 20), "Vanessa Sammar\u2026", "name")),
             ("blinds_clock", Drawn("text", (250, 110, 80, 20), "12:00", "time"))]
    assert [f.message for f in audit.check_clipping([panel], drawn)] == [
        "blinds_clock: ante 'BB ANTE 1,0\u2026' is cut to fit", "blinds_clock: time '12:00' runs past the element's edge"]


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280)])
def test_a_long_raise_fits_its_badge_in_both_skins(size: tuple[int, int]) -> None:
    """The minimal skin's 110-wide badge let the demo's 'RAISE TO 1,150,000' run out of it at 720p."""
    state = sample_state("preflop")
    state.seats[0].last_action, state.seats[0].bet = "Raise to 1,150,000", 1_150_000
    for skin in ("broadcast", "minimal"):
        scene = Scene(OverlayOptions(skin=skin, animate=False), *size)
        placed = scene.update(state, 0)
        assert not audit.check_clipping(placed, scene.drawn(placed, 0)), skin


def test_a_side_pot_of_one_big_blind_reads_back() -> None:
    """'SIDE 1 BB' is the side pot of one big blind, not side pot 1 of 'BB' (the audit read it as the latter)."""
    for name in SAMPLES:
        scene = Scene(OverlayOptions(animate=False, chip_format="bb"), 1920, 1080)
        findings = _check(scene, name)
        assert not findings, f"{name}: {findings[0].message}"
