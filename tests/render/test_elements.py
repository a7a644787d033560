"""The overlay element registry: every skin element has a type, and a new element is one module plus a skin entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from ggpgfx.render.elements import (
    ElementFrame,
    Wanted,
    bind,
    element_types,
    register_element,
    unregister_element,
)
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene
from ggpgfx.render.skins import list_skins, load_skin


def test_every_element_a_bundled_skin_places_is_registered_and_every_type_is_placed() -> None:
    registered = {e.name for e in element_types()}
    placed: set[str] = set()
    for entry in list_skins():
        skin = load_skin(entry["name"])
        for spec in skin.layouts.values():
            placed |= set(spec.elements)
    assert placed == registered
    assert all(e.want.__doc__ for e in element_types())


def _hand_number(label: str, width: int, height: int) -> Image.Image:
    return Image.new("RGBA", (width, height), (len(label), 0, 0, 255))


@pytest.fixture
def hand_badge() -> Iterator[None]:
    """A new element, as a module of ggpgfx/render/elements would declare it: the hand number, during a hand."""

    @register_element("hand_badge", order=95)
    def want_hand_badge(frame: ElementFrame) -> dict[str, Wanted]:
        """The hand number."""
        state = frame.state
        if state is None or frame.visibility("hand_badge") == "off" or state.street in ("idle", "complete"):
            return {}
        label = f"HAND {state.hand_number}"
        w, h = frame.layout.size("hand_badge")
        return {"hand_badge": Wanted(label, bind(_hand_number, label, w, h), frame.layout.origin("hand_badge"))}

    yield
    unregister_element("hand_badge")


def _skin_with_badge(tmp_path: Path) -> Path:
    folder = tmp_path / "badged"
    folder.mkdir()
    (folder / "skin.yaml").write_text(
        "name: badged\nextends: broadcast\nlayouts:\n  landscape:\n    reference: [1920, 1080]\n"
        "    elements:\n      hand_badge: {x: 1700, y: 20, w: 180, h: 40}\n")
    return folder


def test_a_new_element_needs_only_its_module_and_a_skin_entry(hand_badge: None, tmp_path: Path) -> None:
    state = sample_state("preflop")
    skin = str(_skin_with_badge(tmp_path))
    badged = Scene(OverlayOptions(animate=False, skin=skin), 1920, 1080)
    wanted = badged.wanted(state, 0)
    assert wanted["hand_badge"].key == f"HAND {state.hand_number}"
    assert wanted["hand_badge"].xy == (1700, 20) and "board" in wanted and "seat:1" in wanted
    badged.layers(state, 0)
    assert badged.elements["hand_badge"].image.size == (180, 40)
    plain = Scene(OverlayOptions(animate=False), 1920, 1080)
    assert "hand_badge" not in plain.wanted(state, 0)  # a skin that does not place it never shows it
    hidden = Scene(OverlayOptions(animate=False, skin=skin, show={"hand_badge": "off"}), 1920, 1080)
    assert "hand_badge" not in hidden.wanted(state, 0)
    state.graphics_hidden = True
    assert "hand_badge" not in badged.wanted(state, 0)  # table elements go when the operator hides graphics


def test_the_player_column_narrows_a_badge_rather_than_skip_past_the_board() -> None:
    # 1080p broadcast skin: the camera's board began 8 px inside the badge strip, so every row beside it
    # moved below the board and the ninth row ran under the ticker
    from ggpgfx.render.elements.players import Column

    column = Column(x0=96, badge_x=564, badge_w=150, row_h=86, gap=6, min_badge=90)
    board = ((706, 440, 1210, 570),)
    rows = column.place(9, 106, board)
    assert [y for y, _ in rows] == [106 + 92 * i for i in range(9)]  # the skin's own column, nothing skipped
    beside = [i for i, (y, _) in enumerate(rows) if y < 570 + 6 and 440 - 6 < y + 86]
    assert beside and all(rows[i][1] == 706 - 6 - 564 for i in beside)  # their badges end 6 px before it
    assert all(width == 150 for i, (_, width) in enumerate(rows) if i not in beside)
    # a board over the boxes themselves is still skipped; without skip the rows stay put
    over = ((300, 300, 900, 400),)
    skipped = column.place(3, 106, over)
    assert skipped[0][0] == 106 and skipped[2][0] == 400 + 6 and skipped[1][0] == 106 + 92  # the third row met it
    assert [y for y, _ in column.place(3, 106, over, skip=False)] == [106, 198, 290]
    # a badge that would have to shrink below min_badge moves its row instead
    tight = ((600, 200, 900, 260),)
    (first, second), = [column.place(2, 106, tight)]
    assert first == (106, 150) and second[0] == 260 + 6 and second[1] == 150


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
def test_ten_players_all_show_above_the_ticker(skin: str, size: tuple[int, int]) -> None:
    # the skins' columns hold nine rows: at ten the last row ran under the ticker and out of the title-safe area
    from ggpgfx.poker.messages import SeatState
    from ggpgfx.render.layout import TITLE_SAFE_MARGIN

    width, height = size
    state = sample_state("preflop")
    for n in range(7, 11):
        state.seats.append(SeatState(seat=n, name=f"Player {n}", stack=500_000 + n, country="US"))
    scene = Scene(OverlayOptions(animate=False, skin=skin, ticker="ten-handed"), width, height)
    wanted = scene.wanted(state, 0)
    rows = sorted((w.xy[1], w.draw()) for name, w in wanted.items() if name.startswith("seat:"))
    assert len(rows) == 10
    tops = [y for y, _ in rows]
    heights = [image.height for _, image in rows]
    assert all(b >= a + h for a, b, h in zip(tops, tops[1:], heights, strict=False))  # no row over another
    bottom = rows[-1][0] + heights[-1]
    ticker_y = scene.layout.origin("ticker")[1]
    assert bottom <= ticker_y and bottom <= height * (1 - TITLE_SAFE_MARGIN)
    # drawn smaller than the skin's box, all alike; six players keep the skin's size
    six = Scene(OverlayOptions(animate=False, skin=skin, ticker="ten-handed"), width, height)
    six_heights = {w.draw().height for name, w in six.wanted(sample_state("preflop"), 0).items()
                   if name.startswith("seat:")}
    shadow = scene.layout.px(4) if scene.layout.skin.shadow else 0
    assert six_heights == {scene.layout.size("players")[1] + shadow}
    assert len(set(heights)) == 1 and heights[0] < min(six_heights)


def test_a_long_hand_label_is_set_smaller_rather_than_cut() -> None:
    # the minimal skin's 9:16 box cut "Two Pair, Eights and Sevens" to "Two Pair, Eights and Seve…"
    from ggpgfx.render.draw import recording
    from ggpgfx.render.elements.players import PlayerView, render_player
    from ggpgfx.render.layout import Layout

    layout = Layout(load_skin("minimal"), 720, 1280)
    view = PlayerView(seat=2, name="Farid Haddad", stack=15_600, status="active", hole_cards=("8c", "Th"),
                      card_count=2, equity=0.0, hand_label="Two Pair, Eights and Sevens", action=None,
                      is_to_act=False, is_button=False, country=None, photo=None, big_blind=100)
    with recording() as record:
        render_player(view, layout)
    assert [item.value for item in record if item.role == "hand_label"] == ["Two Pair, Eights and Sevens"]
    with recording() as record:  # past the smallest size it is still cut, never drawn over the cards
        render_player(replace(view, hand_label="Two Pair, Eights and Sevens " * 3), layout)
    (cut,) = [item for item in record if item.role == "hand_label"]
    assert cut.value.endswith("\u2026")


def test_a_long_name_is_shortened_as_captions_do_before_it_is_cut() -> None:
    # "ARISTEIDIS MOSC…" at 720p: the family name is what viewers need
    from ggpgfx.render.audit import _name_ok
    from ggpgfx.render.draw import recording
    from ggpgfx.render.elements.players import PlayerView, render_player
    from ggpgfx.render.layout import Layout

    layout = Layout(load_skin("broadcast"), 1280, 720)
    view = PlayerView(seat=3, name="Aristeidis Moschonas", stack=6_675_000, status="active", hole_cards=(),
                      card_count=2, equity=None, hand_label=None, action=None, is_to_act=False, is_button=False,
                      country="GR", photo=None, big_blind=500_000)
    with recording() as record:
        render_player(view, layout)
    (name,) = [item.value for item in record if item.role == "name"]
    assert name == "A. MOSCHONAS" and _name_ok(name, layout.name(view.name))
    with recording() as record:  # a name that fits is drawn whole
        render_player(replace(view, name="Chen Wei"), layout)
    assert [item.value for item in record if item.role == "name"] == ["CHEN WEI"]


def test_leaderboard_rows_shorten_long_names_as_captions_do() -> None:
    from ggpgfx.render import draw
    from ggpgfx.render.draw import recording
    from ggpgfx.render.elements.panels import render_leaderboard
    from ggpgfx.render.layout import Layout

    assert draw.caption_forms("Aristeidis Moschonas") == ["Aristeidis Moschonas", "A. Moschonas", "Moschonas"]
    assert draw.caption_forms("周润发") == ["周润发"]
    layout = Layout(load_skin("minimal"), 720, 1280)
    rows = (("Aristeidis Moschonas Papadakis", 1_865_000), ("Chen Wei", 965_000))
    with recording() as record:
        render_leaderboard(rows, 20_000, layout)
    names = [item.value for item in record if item.role == "name"]
    assert names[1] == "Chen Wei" and not names[0].endswith("\u2026")
    assert names[0] in draw.caption_forms("Aristeidis Moschonas Papadakis")[1:]
