"""Tournament elements: golden images in both skins (1080p, 720p, 9:16), cues, paging, clock, BB stacks, flags, photos."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ggpgfx.render.flags import flag_image
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.photos import photo_image
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene
from ggpgfx.render.still import render_still
from ggpgfx.tournament.samples import sample_tournament
from ggpgfx.tournament.state import GraphicsCues, TournamentState

GOLDEN = Path(__file__).parent / "golden"


def _compare(got: bytes, path: Path) -> None:
    """As test_golden.py compares (GGP_UPDATE_GOLDEN=1 rewrites; a missing golden fails under CI)."""
    if os.environ.get("GGP_UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") and not path.exists():
            pytest.fail(f"golden image {path.name} is missing")
        path.write_bytes(got)
    want = np.asarray(Image.open(path).convert("RGBA"), dtype=np.int16)
    have = np.asarray(Image.open(io.BytesIO(got)).convert("RGBA"), dtype=np.int16)
    assert have.shape == want.shape, f"{path.name}: size {have.shape} != golden {want.shape}"
    diff = np.abs(have - want)
    assert diff.mean() < 0.6, f"{path.name}: mean difference {diff.mean():.3f}"
    assert (diff.max(axis=-1) > 48).mean() < 0.002, f"{path.name}: too many changed pixels"

ALL = GraphicsCues(leaderboard=True, chip_strip=True, clock=True, field=True, payouts=True, profile="p3")
TOURNAMENT_ELEMENTS = {"tournament_leaderboard", "tournament_strip", "blinds_clock", "field_bug", "payouts",
                       "profile_card", "elimination"}


def portrait_photo(path: Path) -> Path:
    """A stand-in head-and-shoulders photo (portrait aspect, so the square crop is exercised)."""
    image = Image.new("RGB", (300, 400), "#6d8fb3")
    d = ImageDraw.Draw(image)
    d.ellipse((95, 60, 205, 190), fill="#e0b48f")
    d.rounded_rectangle((40, 200, 260, 420), radius=80, fill="#2b3a55")
    image.save(path)
    return path


def _state(tmp_path: Path | None = None, **cues: object) -> TournamentState:
    photos = {"p3": str(portrait_photo(tmp_path / "p3.png")), "p27": str(portrait_photo(tmp_path / "p27.png"))} \
        if tmp_path is not None else None
    return sample_tournament(27, 8, photos=photos, graphics=GraphicsCues(**cues))  # type: ignore[arg-type]


CASES = {
    "tournament-1080": ((1920, 1080), ALL.model_dump()),
    "tournament-9x16": ((1080, 1920), ALL.model_dump()),
    "tournament-elimination-720": ((1280, 720), {"elimination": "p27", "clock": True, "field": True}),
}


@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(skin: str, case: str, tmp_path: Path) -> None:
    size, cues = CASES[case]
    png = render_still(None, skin=skin, size=size, background="transparent", tournament=_state(tmp_path, **cues))
    _compare(png, GOLDEN / f"{skin}-{case}.png")


def _drawn(state: TournamentState | None, size: tuple[int, int] = (1920, 1080), table: bool = False,
           pts: int = 0, scene: Scene | None = None) -> dict[str, list[tuple[str, str]]]:
    scene = scene or Scene(OverlayOptions(animate=False), *size)
    scene.set_tournament(state, pts)
    placed = scene.update(sample_state("between") if table else None, pts)
    out: dict[str, list[tuple[str, str]]] = {}
    for name, item in scene.drawn(placed, pts):
        out.setdefault(name, []).append((item.role, item.value))
    return out


def test_nothing_without_a_state_or_a_cue() -> None:
    assert not TOURNAMENT_ELEMENTS & set(_drawn(None))
    assert not TOURNAMENT_ELEMENTS & set(_drawn(_state()))  # every cue off
    shown = set(_drawn(_state(**ALL.model_dump())))
    assert shown >= TOURNAMENT_ELEMENTS - {"elimination"}


def test_leaderboard_pages_through_a_thousand_players() -> None:
    state = sample_tournament(1000, 600, tables=112, graphics=GraphicsCues(leaderboard=True, leaderboard_page=3))
    rows = _drawn(state)["tournament_leaderboard"]
    ranks = [int(v) for role, v in rows if role == "rank"]
    assert ranks == list(range(31, 41))
    names = [v for role, v in rows if role == "name"]
    standings = state.standings()
    assert names == [n.name.upper() for n in standings[30:40]]
    assert ("subtitle", "600 LEFT  4/60") in rows


def test_leaderboard_pages_turn_by_themselves() -> None:
    state = sample_tournament(1000, 600, tables=112, graphics=GraphicsCues(leaderboard=True, leaderboard_page=58,
                                                                           leaderboard_page_s=5))
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)

    def first_rank(pts: int) -> int:
        rows = _drawn(state, scene=scene, pts=pts)["tournament_leaderboard"]
        return next(int(v) for role, v in rows if role == "rank")

    assert [first_rank(t * 1_000_000) for t in (0, 4, 5, 10, 11)] == [581, 581, 591, 1, 1]  # page 59 of 60, then 60, 1


def test_clock_counts_down_between_messages_and_changes_level() -> None:
    state = _state(clock=True)
    assert state.clock is not None and state.clock.remaining_s == 720
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    first = dict(_drawn(state, scene=scene, pts=1_000_000)["blinds_clock"])
    assert first["time"] == "12:00" and first["level"] == "LEVEL 5" and first["blinds"] == "500/1,000"
    later = dict(_drawn(state, scene=scene, pts=1_000_000 + 65_000_000)["blinds_clock"])
    assert later["time"] == "10:55"
    next_level = dict(_drawn(state, scene=scene, pts=1_000_000 + 730_000_000)["blinds_clock"])
    assert next_level["level"] == "LEVEL 6" and next_level["blinds"] == "600/1,200"
    paused = state.model_copy(update={"clock": state.clock.model_copy(update={"running": False})})
    assert dict(_drawn(paused)["blinds_clock"])["status"] == "PAUSED"


def test_stacks_in_big_blinds_cue_switches_the_player_boxes() -> None:
    scene = Scene(OverlayOptions(animate=False, players="on", chip_format="exact"), 1920, 1080)
    plain = [v for role, v in _drawn(_state(), table=True, scene=scene)["seat:1"] if role == "amount"]
    in_bb = [v for role, v in _drawn(_state(stacks_in_bb=True, leaderboard=True), table=True, scene=scene,
                                     pts=33_000)["seat:1"] if role == "amount"]
    assert "BB" not in plain[0] and in_bb[0].endswith("BB")
    board = [v for role, v in _drawn(_state(stacks_in_bb=True, leaderboard=True), scene=scene, pts=66_000)
             ["tournament_leaderboard"] if role == "amount"]
    assert all(v.endswith("BB") for v in board)


def test_elimination_names_place_and_prize(tmp_path: Path) -> None:
    state = _state(tmp_path, elimination="p27")
    texts = dict(_drawn(state)["elimination"])
    player = state.player("p27")
    assert player is not None and texts["name"] == player.name.upper()
    assert texts["place"] == "ELIMINATED IN 9TH PLACE"
    assert texts["prize"] == f"${state.prize_for_place(9):,}"


def test_unknown_country_gets_its_code_on_a_badge() -> None:
    state = TournamentState.model_validate({
        "players": [{"id": "a", "name": "Ann Lee", "country": "SG", "chips": 5000},
                    {"id": "b", "name": "Bo Park", "country": "KR", "chips": 4000}],
        "graphics": {"leaderboard": True}})
    rows = _drawn(state)["tournament_leaderboard"]
    assert ("flag", "SG") in rows and ("flag", "KR") not in rows  # KR is drawn, SG is not in the built-in set
    assert flag_image("SG", 30, 20) is None and flag_image("KR", 30, 20) is not None


def test_flags_are_the_right_colours() -> None:
    jp = np.asarray(flag_image("JP", 60, 40))
    assert tuple(jp[20, 30, :3]) == (188, 0, 45) and tuple(jp[2, 2, :3]) == (255, 255, 255)
    fr = np.asarray(flag_image("FR", 60, 40))
    assert tuple(fr[20, 5, :3]) == (0, 35, 149) and tuple(fr[20, 55, :3]) == (237, 41, 57)
    de = np.asarray(flag_image("DE", 60, 40))
    assert tuple(de[5, 30, :3]) == (0, 0, 0) and tuple(de[35, 30, :3]) == (255, 206, 0)


def test_photo_is_cropped_square_then_to_a_circle(tmp_path: Path) -> None:
    picture = photo_image(str(portrait_photo(tmp_path / "p.png")), 100)
    assert picture is not None and picture.size == (100, 100)
    alpha = np.asarray(picture.getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[50, 50] == 255  # corners cut, centre kept
    assert photo_image(str(tmp_path / "missing.png"), 100) is None


def test_4k_is_1080p_scaled() -> None:
    state = _state(**ALL.model_dump())
    small = Scene(OverlayOptions(animate=False), 1920, 1080)
    big = Scene(OverlayOptions(animate=False), 3840, 2160)
    for scene in (small, big):
        scene.set_tournament(state, 0)
    a = {p.name: (p.x, p.y, p.image.size) for p in small.update(None, 0)}
    b = {p.name: (p.x, p.y, p.image.size) for p in big.update(None, 0)}
    assert set(a) == set(b)
    for name, (x, y, (w, h)) in a.items():
        bx, by, (bw, bh) = b[name]
        assert abs(bx - 2 * x) <= 2 and abs(by - 2 * y) <= 2 and abs(bw - 2 * w) <= 4 and abs(bh - 2 * h) <= 8, name


def test_animation_enters_like_other_elements() -> None:
    scene = Scene(OverlayOptions(animate=True), 1920, 1080)
    scene.set_tournament(_state(clock=True), 0)
    start = {p.name: p for p in scene.update(None, 0)}["blinds_clock"]
    settled = {p.name: p for p in scene.update(None, 2_000_000)}["blinds_clock"]
    assert start.y < settled.y  # slides in from the top (broadcast skin)


def test_cli_renders_a_tournament_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    ggp = str(Path(sys.executable).parent / "ggp")
    event = tmp_path / "event.json"
    event.write_text(_state(clock=True, leaderboard=True).to_json())
    out = tmp_path / "t.png"
    done = subprocess.run([ggp, "render", "still", "--tournament", str(event), "--size", "1280x720", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (1280, 720)
    event.write_text('{"players": [{"id": "a", "name": "A", "country": "UK"}]}')
    done = subprocess.run([ggp, "render", "still", "--tournament", str(event), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "the United Kingdom is 'GB'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
def test_tournament_panels_keep_off_the_cameras_board_and_cut_no_text(skin: str) -> None:
    """16:9: the field's chip counts covered the simulated camera's board (only player boxes were kept off it);
    9:16: the payouts did, and the clock cut its 'BB ANTE' line. Now the chip counts page the rows that would
    reach the board, the 9:16 column starts clear of it, and the clock's lines shrink to fit."""
    from ggpgfx.cards.scene import TableLayout
    from ggpgfx.render import audit
    from ggpgfx.render.cli import load_tournament_file

    stock = load_tournament_file(Path(__file__).resolve().parents[2] / "graphs" / "tournament_event.json")
    cued = _state(**ALL.model_dump())
    for size in [(1920, 1080), (1280, 720), (1080, 1920), (720, 1280)]:
        for tournament in (stock, cued):
            scene = Scene(OverlayOptions(skin=skin, animate=False), *size)
            scene.set_camera({"zones": [z.to_dict() for z in TableLayout(*size).zones()]})
            scene.set_tournament(tournament, 0)
            placed = scene.update(sample_state("preflop"), 0)
            drawn = scene.drawn(placed, 0)
            problems = audit.check_layout(placed, drawn, scene) + audit.check_clipping(placed, drawn)
            assert not problems, f"{skin} {size}: {problems[0].message}"
            if size[1] > size[0] and tournament.graphics.payouts:  # 9:16: the column's 7 rows are all used
                places = [item.value for name, item in drawn if name == "payouts" and item.role == "place"]
                prizes = [item for name, item in drawn if name == "payouts" and item.role == "prize"]
                paid = [b for b in tournament.payouts if b.places_from <= tournament.players_remaining()]
                assert len(places) == min(7, len(paid))
                # bands left out between the top places and the next one out show as a "⋮" row, not as a gap
                assert ("\u22ee" in places) == (len(paid) > 7) and len(prizes) == len(places) - (len(paid) > 7)
    ranks = [v for role, v in _drawn(cued, (1920, 1080))["tournament_leaderboard"] if role == "rank"]
    assert ranks == [str(rank) for rank in range(1, 9)]  # without a camera board: all 8 left on one page


def test_the_fields_board_takes_the_table_boards_place() -> None:
    """Between hands the table's CHIP COUNTS and the field's CHIP COUNTS were both on air, with different players
    and numbers; a cued field board now takes the table board's place (and the field strip the table strip's)."""
    assert "leaderboard" in _drawn(_state(), table=True)  # no field board cued: the table's shows between hands
    shown = _drawn(_state(leaderboard=True), table=True)
    assert "tournament_leaderboard" in shown and "leaderboard" not in shown
    for cue, want in ((False, {"chip_strip"}), (True, {"tournament_strip"})):
        scene = Scene(OverlayOptions(animate=False, chip_strip="auto"), 1920, 1080)
        scene.set_tournament(_state(chip_strip=cue), 0)
        drawn = {name for name, _ in scene.drawn(scene.update(sample_state("preflop"), 0), 0)}
        assert drawn & {"chip_strip", "tournament_strip"} == want
    forced = Scene(OverlayOptions(animate=False, leaderboard="on"), 1920, 1080)  # the output insists: both
    assert {"leaderboard", "tournament_leaderboard"} <= set(_drawn(_state(leaderboard=True), table=True, scene=forced))


def test_the_stock_event_shows_every_player_left_at_16x9() -> None:
    """A page ends above the camera's board (5 rows at 1080p), so the stock file turns the pages: every player
    left is on air within two turns (before, 4 of the 9 never were)."""
    from ggpgfx.cards.scene import TableLayout
    from ggpgfx.render.cli import load_tournament_file

    stock = load_tournament_file(Path(__file__).resolve().parents[2] / "graphs" / "tournament_event.json")
    scene = Scene(OverlayOptions(animate=False), 1920, 1080)
    scene.set_camera({"zones": [z.to_dict() for z in TableLayout(1920, 1080).zones()]})
    seen: set[str] = set()
    for second in range(0, 20, 2):
        rows = _drawn(stock, table=True, pts=second * 1_000_000, scene=scene)["tournament_leaderboard"]
        seen |= {value for role, value in rows if role == "name"}
    assert seen == {p.name.upper() for p in stock.standings()} and len(seen) == 9
