"""ggp studio: a short recorded session (lossless ISO and program), its hands, corrections, and re-renders
that equal the live program frame for frame on the decoded planes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from studio_session import decoded

from ggpgfx.errors import ConfigError
from ggpgfx.studio.jobs import parse_hands, render_session
from ggpgfx.studio.render import RenderSettings, render_hand
from ggpgfx.studio.session import Correction, Session


def test_session_folder_has_iso_log_skin_and_manifest(session_folder: Path) -> None:
    manifest = json.loads((session_folder / "manifest.json").read_text())
    assert manifest["complete"] and manifest["skin"] == "broadcast" and manifest["size"] == [640, 360]
    session = Session(session_folder)
    assert len(session.frame_pts) == manifest["frames"] > 60
    assert np.all(np.diff(session.frame_pts) > 0)
    assert (session_folder / "skins" / "broadcast" / "skin.yaml").is_file()
    assert list((session_folder / "log").glob("part-*.parquet"))
    assert any(e.kind == "hand_started" for e in session.events) or session.events
    with av.open(str(session.iso_path)) as container:
        assert container.streams.video[0].frames in (0, manifest["frames"])  # mkv/mp4 may not count


def test_list_hands(session_folder: Path) -> None:
    hands = Session(session_folder).hands()
    assert [h.number for h in hands] == [1, 2]
    first, second = hands
    assert first.start_frame == 0 or first.start_frame < second.start_frame
    assert first.end_frame == second.start_frame
    assert first.players and first.pot > 0 and first.cards


@pytest.mark.parametrize("which", ["offline", "background-renderer"])
def test_rerender_equals_live_program_on_decoded_planes(which: str, request: pytest.FixtureRequest,
                                                        tmp_path: Path) -> None:
    session_folder = request.getfixturevalue("session_folder" if which == "offline" else "threaded_session")
    session = Session(session_folder)
    hand = session.hands()[-1]  # offline: the second hand, so the scene carries the first one's history
    clip = render_hand(session_folder, hand.number, tmp_path, RenderSettings(lossless=True, preset="ultrafast"))
    assert clip.ok and clip.frames == hand.frames
    rendered = decoded(clip.path)
    live = decoded(session_folder / "program.mkv", hand.start_frame, hand.frames)
    assert len(rendered) == len(live) == hand.frames
    different = [i for i, (a, b) in enumerate(zip(rendered, live, strict=True))
                 if not all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))]
    assert different == [], f"{len(different)} of {hand.frames} frames differ, first {different[:5]}"


def test_fix_appends_and_changes_only_the_corrected_hand(session_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "session"
    import shutil

    shutil.copytree(session_folder, copy)
    session = Session(copy)
    hand = session.hands()[0]
    seat = next(s for c in session.calls if c.state and c.state.hand_number == hand.number
                for s in c.state.seats if s.hole_cards)
    before_rows = len(list((copy / "log").glob("part-*.parquet")))
    fixed = session.add_correction(Correction(hand=hand.number, kind="name", seat=seat.seat, text="Corrected Name"))
    session.add_correction(Correction(hand=hand.number, kind="card", seat=seat.seat, cards=["As", "Ks"]))
    assert fixed.number == 1
    reopened = Session(copy)
    assert [c.kind for c in reopened.corrections] == ["name", "card"]
    assert len(list((copy / "log").glob("part-*.parquet"))) == before_rows + 2  # appended, nothing rewritten
    states = [c.state for c in reopened.corrected_calls() if c.state and c.state.hand_number == hand.number]
    shown = [s for st in states for s in st.seats if s.seat == seat.seat]
    assert all(s.name == "Corrected Name" for s in shown)
    assert all(s.hole_cards == ["As", "Ks"][:len(s.hole_cards)] for s in shown)
    assert any(s.hole_cards == ["As", "Ks"] for s in shown)
    originals = [c.state for c in reopened.calls if c.state and c.state.hand_number == hand.number]
    assert any(s.name == seat.name for st in originals for s in st.seats)  # the original stays
    other = [c for c in reopened.corrected_calls() if c.state and c.state.hand_number != hand.number]
    assert other == [c for c in reopened.calls if c.state and c.state.hand_number != hand.number]
    with pytest.raises(ConfigError, match="hand 99 is not in this session"):
        reopened.add_correction(Correction(hand=99, kind="tag", text="x"))
    with pytest.raises(ValueError, match="not a card"):
        Correction(hand=1, kind="card", seat=1, cards=["Zz"])


def test_render_job_clips_reel_timeline_and_a_failed_hand(session_folder: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import ggpgfx.studio.jobs as jobs

    real = jobs.render_hand

    def flaky(folder: Any, number: int, *args: Any, **kwargs: Any) -> Any:
        if number == 1:
            raise RuntimeError("disk full")
        return real(folder, number, *args, **kwargs)

    monkeypatch.setattr(jobs, "render_hand", flaky)
    seen: list[tuple[int, bool]] = []
    job = render_session(session_folder, [1, 2], tmp_path, RenderSettings(preset="ultrafast"),
                         on_hand=lambda r, done, total: seen.append((r.hand, r.ok)), timeline="both")
    assert sorted(seen) == [(1, False), (2, True)]
    assert [c.hand for c in job.failed] == [1] and "disk full" in (job.failed[0].error or "")
    assert job.reel and len(decoded(job.reel)) == Session(session_folder).hands()[1].frames
    edl = (tmp_path / "timeline.edl").read_text()
    assert "001  H0002" in edl and "FROM CLIP NAME: hand-0002" in edl
    assert (tmp_path / "timeline.otio").is_file()
    assert json.loads((tmp_path / "job.json").read_text())["failed"] == [1]


def test_parse_hands_and_bad_settings(session_folder: Path) -> None:
    session = Session(session_folder)
    assert parse_hands("1-2", session) == [1, 2] and parse_hands(None, session) == [1, 2]
    with pytest.raises(ConfigError, match="not in this session"):
        parse_hands("7", session)
    with pytest.raises(ConfigError, match=r"'fr' is not available: use one of en \(English\), es \(Español\)"):
        RenderSettings(lang="fr").check()
    with pytest.raises(ConfigError, match="not a studio session"):
        Session(session_folder / "nope")


def test_graphics_only_mov_has_alpha_and_every_frame(session_folder: Path, tmp_path: Path) -> None:
    session = Session(session_folder)
    hand = session.hands()[0]
    clip = render_hand(session_folder, hand.number, tmp_path, RenderSettings(graphics_only=True, size=(480, 270)))
    with av.open(clip.path) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("qtrle", 480, 270)
        frames = [f.to_ndarray(format="rgba") for f in container.decode(stream)]
    assert len(frames) == hand.frames
    alpha = frames[-1][..., 3]
    assert alpha.max() == 255 and 0.02 < (alpha > 0).mean() < 0.9  # graphics, and transparent around them
    with pytest.raises(ConfigError, match="--graphics-only"):
        RenderSettings(size=(480, 270)).check()


@pytest.mark.ray
@pytest.mark.slow
def test_ray_data_renders_hands_in_parallel_and_reports_a_failed_one(session_folder: Path, tmp_path: Path,
                                                                    ray_session: Any) -> None:
    seen: list[tuple[int, bool]] = []
    job = render_session(session_folder, [1, 2, 99], tmp_path, RenderSettings(preset="ultrafast"), workers=2,
                         executor="ray", on_hand=lambda r, done, total: seen.append((r.hand, r.ok)),
                         reel=False, timeline=None)
    assert sorted(seen) == [(1, True), (2, True), (99, False)]
    assert "hand 99 is not in this session" in (job.failed[0].error or "")
    hands = {h.number: h for h in Session(session_folder).hands()}
    for clip in job.clips:
        if clip.ok:
            assert len(decoded(clip.path)) == hands[clip.hand].frames


def test_a_corrected_bet_moves_stacks_and_pots_in_the_rerender(session_folder: Path, tmp_path: Path) -> None:
    """`fix --bet`: the hand is replayed through the poker core, so the re-rendered stacks and pot follow."""
    import shutil

    from typer.testing import CliRunner

    from ggpgfx.studio.cli import studio_app

    copy = tmp_path / "session"
    shutil.copytree(session_folder, copy)
    session = Session(copy)
    hand = session.hands()[0]
    raises = [a for a in session.actions(hand.number) if a["action"] in ("bet", "raise") and a["amount"]]
    assert raises, "the recorded hand has no bet or raise to correct"
    wrong = raises[0]
    seat, old = wrong["seat"], wrong["amount"]
    states = [c.state for c in session.calls if c.state is not None and c.state.hand_number == hand.number]
    stack = next(s.stack for st in states for s in st.seats if s.seat == seat and s.bet == old)
    new = old + min(stack // 2, old)  # still within the seat's stack: the raise grows by `delta`
    delta = new - old
    with pytest.raises(ConfigError, match="does not replay"):  # under the minimum raise: refused, nothing saved
        session.add_correction(Correction(hand=hand.number, kind="bet", seat=seat, amount=1, at_s=wrong["at_s"]))
    result = CliRunner().invoke(studio_app, ["fix", str(copy), "--hand", str(hand.number), "--bet", f"{seat}={new}",
                                             "--at", str(wrong["at_s"])])
    assert result.exit_code == 0, result.output
    assert f"to {old:,} -> {new:,}" in result.output
    reopened = Session(copy)
    assert [c.kind for c in reopened.corrections] == ["bet"] and reopened.corrections[0].event == wrong["event"]
    pairs = [(a.state, b.state) for a, b in zip(reopened.calls, reopened.corrected_calls(), strict=True)
             if a.state is not None and b.state is not None and a.state.hand_number == hand.number]
    # the states after the raise and before anyone called it: only the raise differs
    at_bet = [(a, b) for a, b in pairs if (a.seat(seat) or a.seats[0]).bet == old
              and sum(s.bet == old for s in a.seats) == 1]
    assert at_bet, "no recorded state shows the bet"
    for before, after in at_bet:
        was, now = before.seat(seat), after.seat(seat)
        assert was is not None and now is not None
        assert now.bet == new and now.stack == was.stack - delta
        assert after.total_pot == before.total_pot + delta
        assert now.last_action is not None and f"{new:,}" in now.last_action
    # the biggest pot of the hand grows by at least the corrected difference (callers pay it too)
    assert max(b.total_pot for _, b in pairs) >= max(a.total_pot for a, _ in pairs) + delta
    assert reopened.hands()[0].pot > hand.pot
    other = [c for c in reopened.corrected_calls() if c.state and c.state.hand_number != hand.number]
    assert other == [c for c in reopened.calls if c.state and c.state.hand_number != hand.number]
    listed = CliRunner().invoke(studio_app, ["diff", str(copy)])
    assert listed.exit_code == 0 and f"to {old:,} -> {new:,}" in listed.output and "pot:" in listed.output
    # the pixels: the re-render equals the live program until the bet shows, and differs once it does
    clip = render_hand(copy, hand.number, tmp_path / "out", RenderSettings(lossless=True, preset="ultrafast"))
    rendered = decoded(clip.path)
    live = decoded(session_folder / "program.mkv", hand.start_frame, hand.frames)
    same = [all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) for a, b in zip(rendered, live, strict=True)]
    first_changed = same.index(False)
    bet_frame = reopened.frame_at(hand.start_pts + int(wrong["at_s"] * 1e6)) - hand.start_frame
    assert all(same[:first_changed]) and first_changed >= bet_frame - 1
    assert not any(same[first_changed:first_changed + 10])



def test_graphics_only_redraws_only_what_changed_and_equals_a_full_redraw(session_folder: Path,
                                                                          tmp_path: Path) -> None:
    """The incremental alpha canvas gives the same RGBA frames, byte for byte, as drawing every frame in full."""
    session = Session(session_folder)
    hand = session.hands()[0]
    frames = {}
    for incremental in (False, True):
        clip = render_hand(session_folder, hand.number, tmp_path / str(incremental),
                           RenderSettings(graphics_only=True, size=(480, 270), incremental=incremental))
        with av.open(clip.path) as container:
            frames[incremental] = [f.to_ndarray(format="rgba") for f in container.decode(video=0)]
    assert len(frames[True]) == len(frames[False]) == hand.frames
    different = [i for i, (a, b) in enumerate(zip(frames[False], frames[True], strict=True))
                 if not np.array_equal(a, b)]
    assert different == [], f"{len(different)} frames differ, first {different[:5]}"
    with pytest.raises(ConfigError, match="key frame interval"):
        RenderSettings(graphics_only=True, keyint_s=0).check()


def test_alpha_canvas_boxes() -> None:
    from PIL import Image

    from ggpgfx.studio.render import AlphaCanvas, _merge

    assert sorted(_merge([(0, 0, 10, 10), (5, 5, 20, 20), (30, 30, 40, 40)])) == [(0, 0, 20, 20), (30, 30, 40, 40)]
    red = Image.new("RGBA", (20, 10), (255, 0, 0, 255))
    half = Image.new("RGBA", (10, 10), (0, 0, 255, 128))
    full, part = AlphaCanvas(64, 32, [0, 1, 2, 3], incremental=False), AlphaCanvas(64, 32, [0, 1, 2, 3])
    canvases = [np.full((32, 64, 4), 7, np.uint8), np.full((32, 64, 4), 9, np.uint8)]  # garbage at first
    frames = ([(red, 0, 0, 1.0), (half, 5, 0, 1.0)], [(red, 0, 0, 1.0), (half, 40, 20, 0.5)],
              [(red, 0, 0, 1.0), (half, 40, 20, 0.5)], [(red, 0, 0, 1.0), (half, 40, 20, 0.5)],
              [(half, 58, 28, 1.0), (red, 2, 0, 1.0)], [(red, 2, 0, 1.0)], [(red, 2, 0, 1.0), (half, 1, 1, 1.0)])
    for number, items in enumerate(frames):
        a = np.zeros((32, 64, 4), np.uint8)
        full.draw(a, items)
        part.draw(canvases[number % 2], items, slot=number % 2)  # two canvases in turn, as the .mov path
        assert np.array_equal(a, canvases[number % 2]), number
    assert part.redrawn_px < full.redrawn_px  # unchanged frames redrew nothing


def test_render_in_a_second_language(session_folder: Path, tmp_path: Path) -> None:
    """--lang es: the same hand with the overlay's fixed words in Spanish (a different picture, its own name)."""
    session = Session(session_folder)
    hand = session.hands()[0]
    last = {}
    for lang in ("en", "es"):
        clip = render_hand(session_folder, hand.number, tmp_path / lang,
                           RenderSettings(graphics_only=True, size=(480, 270), lang=lang))
        assert clip.frames == hand.frames and (lang == "en") != ("_lang-es" in Path(clip.path).name)
        with av.open(clip.path) as container:
            last[lang] = [f.to_ndarray(format="rgba") for f in container.decode(video=0)][-1]
    assert not np.array_equal(last["en"], last["es"])
    with pytest.raises(ConfigError, match="--lang: language 'ko' is not available"):
        RenderSettings(lang="ko").check()


def test_a_corrected_stack_replays_the_hand(session_folder: Path, tmp_path: Path) -> None:
    """--stack: the hand is replayed from the corrected starting stack; more chips behind move every stack of
    the seat by the difference and change nothing else, fewer than the seat put in is refused."""
    import shutil

    copy = tmp_path / "session"
    shutil.copytree(session_folder, copy)
    session = Session(copy)
    hand = session.hands()[0]
    setup = next(e for e in session.events if e.kind == "hand_started" and e.hand_number == hand.number)
    raises = [a for a in session.actions(hand.number) if a["action"] in ("bet", "raise") and a["amount"]]
    seat = raises[0]["seat"] if raises else setup.data["setup"]["seats"][0]["seat"]
    start = next(s["stack"] for s in setup.data["setup"]["seats"] if s["seat"] == seat)
    if raises:
        with pytest.raises(ConfigError, match="does not replay"):  # cannot raise to more than it has
            session.add_correction(Correction(hand=hand.number, kind="stack", seat=seat, amount=1))
    session.add_correction(Correction(hand=hand.number, kind="stack", seat=seat, amount=start + 12_345))
    reopened = Session(copy)
    assert [c.kind for c in reopened.corrections] == ["stack"]
    pairs = [(a.state, b.state) for a, b in zip(reopened.calls, reopened.corrected_calls(), strict=True)
             if a.state is not None and b.state is not None and a.state.hand_number == hand.number]
    assert pairs
    for before, after in pairs:
        was, now = before.seat(seat), after.seat(seat)
        assert was is not None and now is not None
        assert now.stack == was.stack + 12_345 and now.bet == was.bet and now.status == was.status
        assert after.total_pot == before.total_pot and after.pots == before.pots


def test_a_corrected_action_replays_the_hand(session_folder: Path, tmp_path: Path) -> None:
    """--play: the seat's last call was really a fold: from there the seat shows folded, keeps the chips it did
    not put in, and the pot's winnings follow; an action the hand cannot have is refused."""
    import shutil

    copy = tmp_path / "session"
    shutil.copytree(session_folder, copy)
    session = Session(copy)
    hand = session.hands()[0]
    calls = [a for a in session.actions(hand.number) if a["action"] == "call"]
    assert calls, "the recorded hand has no call"
    last = calls[-1]
    seat = last["seat"]
    with pytest.raises(ConfigError, match="does not replay|no betting action"):
        session.add_correction(Correction(hand=hand.number, kind="play", seat=seat, play="bet", amount=1,
                                          at_s=last["at_s"]))
    fixed = session.add_correction(Correction(hand=hand.number, kind="play", seat=seat, play="fold",
                                              at_s=last["at_s"]))
    assert fixed.event == last["event"] and "call -> fold" in fixed.describe()
    states = [(a.state, b.state) for a, b in zip(session.calls, Session(copy).corrected_calls(), strict=True)
              if a.state is not None and b.state is not None and a.state.hand_number == hand.number]
    folded = [(a, b) for a, b in states if (b.seat(seat) or b.seats[0]).last_action == "Fold"
              and (a.seat(seat) or a.seats[0]).last_action != "Fold"]
    assert folded, "no state shows the corrected fold"
    for _before, after in folded:
        now = after.seat(seat)
        assert now is not None and now.status == "folded"
    final_before, final_after = states[-1]
    assert final_after.winnings.get(seat, 0) == 0
    assert sum(final_after.winnings.values()) <= sum(final_before.winnings.values())
    was, now = final_before.seat(seat), final_after.seat(seat)
    assert was is not None and now is not None and was.last_action is not None
    called = int(was.last_action.split()[-1].replace(",", "")) if was.last_action.startswith("Call ") else 0
    # what it ends with: what it had before the call (the call never paid), none of what it won
    assert now.stack == was.stack - final_before.winnings.get(seat, 0) + called
