"""The scene: per-element caching, slide/fade/count-up animation, ticker, clocks, scaling."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggpgfx.errors import ConfigError
from ggpgfx.poker.messages import PotState, SeatState, TableState
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene


def test_only_the_changed_seat_is_redrawn() -> None:
    scene = Scene(OverlayOptions(animate=False), 1280, 720)
    state = sample_state("preflop")
    scene.layers(state, 0)
    first = scene.redraws
    assert first >= 7  # six boxes, the board, the sponsor slot
    scene.layers(state, 33_000)
    assert scene.redraws == first
    changed = state.model_copy(deep=True)
    changed.seats[3].stack -= 40_000
    changed.seats[3].last_action = "Call 60,000"
    before = {name: el.image for name, el in scene.elements.items()}
    scene.layers(changed, 66_000)
    assert scene.redraws == first + 1
    redrawn = [name for name, el in scene.elements.items() if before.get(name) is not el.image]
    assert redrawn == ["seat:4"]


def test_slide_in_then_rest_and_fade_out() -> None:
    scene = Scene(OverlayOptions(), 1920, 1080)  # broadcast: slide 350 ms from the left, fade out 200 ms
    state = sample_state("preflop")
    rest_x = scene.layout.origin("players")[0]
    xs = []
    for pts in (0, 100_000, 200_000, 400_000):
        placed = {p.name: p for p in scene.update(state, pts)}
        xs.append(placed["seat:1"].x)
    assert xs[0] < 0 and xs[0] < xs[1] < xs[2] < xs[3] == rest_x
    gone = state.model_copy(deep=True)
    gone.seats = [s for s in gone.seats if s.seat != 1]
    fading = {p.name: p for p in scene.update(gone, 500_000)}
    assert fading["seat:1"].opacity == pytest.approx(1.0)
    half = {p.name: p for p in scene.update(gone, 600_000)}
    assert 0.3 < half["seat:1"].opacity < 0.7
    assert "seat:1" not in {p.name for p in scene.update(gone, 800_000)}


def test_stack_counts_up() -> None:
    scene = Scene(OverlayOptions(), 1920, 1080)
    state = sample_state("preflop")
    scene.update(state, 0)
    richer = state.model_copy(deep=True)
    richer.seats[0].stack = 2_785_000
    shown = []
    for pts in (1_000_000, 1_150_000, 1_300_000, 1_700_000):
        scene.update(richer, pts)
        shown.append(scene.elements["seat:1"].key.stack)  # type: ignore[attr-defined]
    # issue #14: a change of a visible number shows on the very next frame (the count's first step is drawn)
    assert 1_785_000 < shown[0] < shown[1] < shown[2] < 2_785_000
    assert shown[3] == 2_785_000


def test_ticker_scrolls_and_clocks_count_down() -> None:
    scene = Scene(OverlayOptions(ticker="Breaking: river card", action_clock_s=30, delay_s=30,
                                 animate=False), 1280, 720)
    state = sample_state("preflop")
    first = scene.layers(state, 0)
    later = scene.layers(state, 500_000)
    assert first[-1].y_pm.ctypes.data != later[-1].y_pm.ctypes.data  # a different window of the strip
    assert scene.elements["action_clock"].key == ("clock", 30, 30)
    assert scene.elements["delay"].key == ("delay", "ON AIR IN 0:30")
    scene.layers(state, 10_200_000)
    assert scene.elements["action_clock"].key == ("clock", 20, 30)
    assert scene.elements["delay"].key == ("delay", "ON AIR IN 0:20")
    scene.layers(state, 31_000_000)
    assert scene.elements["action_clock"].key == ("clock", 0, 30)
    assert scene.elements["delay"].key == ("delay", "SECURE DELAY 0:30")


def test_graphics_hidden_and_between_hands() -> None:
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    hidden = sample_state("preflop")
    hidden.graphics_hidden = True
    assert set(scene.wanted(hidden, 0)) == {"sponsors"}
    shown = set(scene.wanted(sample_state("between"), 0))
    assert "leaderboard" in shown and not any(name.startswith("seat:") for name in shown)


@pytest.mark.parametrize(("size", "factor"), [((1280, 720), 2 / 3), ((1920, 1080), 1.0), ((3840, 2160), 2.0)])
def test_scales_from_reference(size: tuple[int, int], factor: float) -> None:
    scene = Scene(OverlayOptions(animate=False), *size)
    width, height = scene.layout.size("board")
    assert width == round(560 * factor) and height == round(176 * factor)
    scene.layers(sample_state("allin"), 0)
    assert scene.elements["board"].image.size == (width, height)


def test_vertical_uses_portrait_layout_and_bad_skin_is_clear() -> None:
    scene = Scene(OverlayOptions(animate=False), 1080, 1920)
    assert scene.layout.spec.reference == (1080, 1920)
    with pytest.raises(ConfigError, match="unknown skin 'neon'; known skins: broadcast, minimal"):
        Scene(OverlayOptions(skin="neon"), 1920, 1080)


def test_delay_badge_follows_the_delay_nodes_countdown() -> None:
    scene = Scene(OverlayOptions(animate=False), 1280, 720)
    state = sample_state("preflop")
    assert "delay" not in scene.wanted(state, 0)
    scene.countdown = (12.2, 30.0)
    assert scene.wanted(state, 0)["delay"].key == ("delay", "ON AIR IN 0:13")
    scene.countdown = (0.0, 30.0)
    assert scene.wanted(state, 0)["delay"].key == ("delay", "SECURE DELAY 0:30")


def test_winner_is_marked_when_the_hand_completes() -> None:
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    river = sample_state("allin")
    river.street = "river"
    scene.update(river, 0)
    done = river.model_copy(deep=True)
    done.street = "complete"
    done.seats[1].stack += 3_720_000
    done.winnings = {2: 3_720_000}  # the poker core says who won what; the renderer only draws it
    scene.update(done, 100_000)
    winner = scene.elements["seat:2"].key
    loser = scene.elements["seat:1"].key
    assert winner.winner and winner.action == "Wins 3,720,000"  # the pot  # type: ignore[attr-defined]
    assert not loser.winner  # type: ignore[attr-defined]


def test_player_photo_fills_the_slot(tmp_path: Path) -> None:
    from PIL import Image

    from ggpgfx.render.elements.players import render_player
    from ggpgfx.render.views import player_view

    photo = tmp_path / "photo.png"
    Image.new("RGB", (200, 200), (10, 200, 30)).save(photo)
    state = sample_state("preflop")
    state.seats[0].photo = str(photo)
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    box = render_player(player_view(state.seats[0], state, "delayed"), scene.layout)
    assert box.getpixel((40, 43))[:3] == (10, 200, 30)
    state.seats[0].photo = str(tmp_path / "missing.png")  # unreadable: falls back to the flag slot
    fallback = render_player(player_view(state.seats[0], state, "delayed"), scene.layout)
    assert fallback.getpixel((40, 43))[:3] != (10, 200, 30)


@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
def test_equity_jumps_to_the_new_street_value(skin: str) -> None:
    # issue #22: equity counted up from the old street's value, showing percentages that were never true
    scene = Scene(OverlayOptions(skin=skin), 1920, 1080)
    state = sample_state("preflop")
    scene.update(state, 0)
    flop = state.model_copy(deep=True)
    flop.street, flop.board = "flop", ["2c", "7h", "Kd"]
    flop.seats[0].equity_win, flop.seats[0].stack = 0.83, 2_785_000
    for pts in (1_000_000, 1_100_000, 1_250_000, 2_000_000):
        scene.update(flop, pts)
        view = scene.elements["seat:1"].key
        assert view.equity == 0.83, f"{skin} at {pts} us: equity {view.equity}"  # type: ignore[attr-defined]
    assert scene.skin.animation.equity == "jump"


def test_a_skin_may_count_equity_up(tmp_path: Path) -> None:
    custom = tmp_path / "counting"
    custom.mkdir()
    (custom / "skin.yaml").write_text("name: counting\ntitle: Counting\nextends: broadcast\n"
                                      "animation: {equity: count}\n")
    scene = Scene(OverlayOptions(skin=str(custom)), 1920, 1080)
    state = sample_state("preflop")
    scene.update(state, 0)
    flop = state.model_copy(deep=True)
    flop.seats[0].equity_win = 0.83
    scene.update(flop, 1_000_000)
    scene.update(flop, 1_150_000)
    assert 0.31 < scene.elements["seat:1"].key.equity < 0.83  # type: ignore[attr-defined]



def _badges(state: TableState) -> dict[int, str]:
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    drawn = scene.drawn(scene.update(state, 0), 0)
    return {int(name.split(":")[1]): item.value for name, item in drawn
            if name.startswith("seat:") and item.kind == "text" and item.role == "action"}


def test_a_badge_goes_when_its_chips_are_pulled_into_the_pot() -> None:
    """A bet, call or raise badge shows while its chips are in front of the seat; the next street and the end of the
    hand pull them into the pot and the badge goes (the demo's loser kept 'BET 2,250,000' after the hand)."""
    seats = [SeatState(seat=1, name="Ann", stack=9_000, bet=1_000, last_action="Bet 1,000"),
             SeatState(seat=2, name="Bob", stack=9_000, bet=1_000, last_action="Call 1,000"),
             SeatState(seat=3, name="Cy", stack=10_000, status="folded", last_action="Fold")]
    river = TableState(version=1, hand_number=1, street="river", board=["2c", "5d", "8h", "Js", "4c"], seats=seats,
                       button=3, total_pot=2_000, pots=[PotState(amount=2_000, eligible_seats=[1, 2])])
    assert _badges(river) == {1: "BET 1,000", 2: "CALL 1,000", 3: "FOLD"}
    over = river.model_copy(deep=True, update={"street": "complete", "winnings": {1: 2_000}, "version": 2})
    for seat in over.seats:
        seat.bet = 0
    assert _badges(over) == {1: "WINS 2,000", 3: "FOLD"}
    turn = river.model_copy(deep=True, update={"street": "turn", "to_act": None, "version": 3})
    for seat in turn.seats:  # a new round: last round's chips are in the pot, its card not dealt yet
        seat.bet = 0
    turn.seats[0].last_action = turn.seats[1].last_action = "Check"  # the flop was checked through
    assert _badges(turn) == {3: "FOLD"}
    turn.to_act = 1  # the turn card is out, Ann is to act: the flop's checks are not this round's
    assert _badges(turn) == {3: "FOLD"}
    turn.seats[0].last_action, turn.to_act = "Check", 2  # Ann checks: hers is this round's, Bob is to act
    turn.seats[1].last_action = "Check"  # ...and Bob's check was the flop's
    assert _badges(turn) == {1: "CHECK", 3: "FOLD"}
    turn.street, turn.to_act = "river", None  # Bob checked too: the river card is still to come
    assert _badges(turn) == {3: "FOLD"}


def test_a_badge_speaks_the_outputs_chip_format() -> None:
    """Stacks and pot in big blinds beside 'RAISE 60,000' in chips mixed two units on one screen."""
    from ggpgfx.render import audit

    for chip_format, want in (("exact", "RAISE 60,000"), ("short", "RAISE 60k"), ("bb", "RAISE 3 BB")):
        scene = Scene(OverlayOptions(animate=False, chip_format=chip_format), 1920, 1080)  # type: ignore[arg-type]
        state = sample_state("preflop")
        drawn = scene.drawn(scene.update(state, 0), 0)
        badge = next(item.value for name, item in drawn if name == "seat:1" and item.role == "action")
        assert badge == want
        assert not audit.check_values(drawn, state, scene)
    chips = [("seat:1", item) for name, item in drawn if name == "seat:1"]
    wrong = [(n, i) if i.role != "action" else (n, type(i)(i.kind, i.box, "RAISE 60,000", i.role)) for n, i in chips]
    assert "'RAISE 60,000' but the state says 'RAISE 3 BB'" in " ".join(f.message for f in
                                                                        audit.check_values(wrong, state, scene))


def test_the_board_names_the_street_whose_cards_it_shows() -> None:
    """After the flop's betting the state is already 'turn' until the turn card is read: the panel said TURN over
    three cards."""
    state = sample_state("allin")  # the flop: 7h Qh 2c
    for street, board, want in (("turn", ["7h", "Qh", "2c"], "FLOP"), ("turn", ["7h", "Qh", "2c", "9c"], "TURN"),
                                ("river", ["7h", "Qh", "2c"], "FLOP"), ("flop", [], "PRE-FLOP")):
        shown = state.model_copy(update={"street": street, "board": board, "version": state.version + 1})
        scene = Scene(OverlayOptions(animate=False), 1920, 1080)
        drawn = scene.drawn(scene.update(shown, 0), 0)
        assert [item.value for name, item in drawn if item.role == "street"] == [f"{want}  \u00b7  HAND 43"], street
