"""On-air correctness of the stock graphs' pictures (the QA pass of the stock graphs' outputs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ggpgfx.audit import audit_graph
from ggpgfx.graph.validate import resolve_text

REPO = Path(__file__).resolve().parents[2]
DELAYED_GRAPHS = ("live-and-delayed.yaml", "multi_feed.yaml")


@pytest.mark.parametrize("name", DELAYED_GRAPHS)
def test_a_feed_behind_the_secure_delay_never_says_live(name: str, tmp_path: Path) -> None:
    # the delayed broadcast's ticker said LIVE (the label's old default): the audit reads every text drawn
    report = audit_graph(REPO / "graphs" / name, skins=("broadcast",), aspects=("16:9",), max_frames=60,
                         out_dir=tmp_path)
    delayed = [row for row in report.rows if row.delayed]
    assert delayed and {row.overlay for row in delayed} >= {"delayed_gfx" if "live" in name else "broadcast_gfx"}
    for row in report.rows:
        assert row.ok, f"{row.overlay}: {row.first_failure[0].message}"


def test_the_audit_catches_a_live_label_on_a_delayed_feed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # validation refuses such a graph; with that check off, the audit still finds LIVE drawn on the frames
    from ggpgfx.graph.registry import get_node_type

    monkeypatch.setattr(get_node_type("render.overlay"), "graph_problems", classmethod(lambda cls, params, downstream: []))
    report = audit_graph(REPO / "graphs" / "live-and-delayed.yaml", skins=("broadcast",), aspects=("16:9",),
                         max_frames=30, out_dir=tmp_path, sets=[("delayed_gfx", "ticker_label", "LIVE")])
    row = next(r for r in report.rows if r.overlay == "delayed_gfx")
    assert row.failures["values"] > 0 and row.png is not None
    assert "'LIVE' on a feed that airs through a secure delay" in row.first_failure[0].message
    assert next(r for r in report.rows if r.overlay == "live_gfx").ok


@pytest.mark.parametrize("label", ["LIVE", "Live now", "on air live"])
def test_validation_refuses_a_live_label_behind_the_delay(label: str) -> None:
    text = (REPO / "graphs" / "live-and-delayed.yaml").read_text()
    data = yaml.safe_load(text)
    data["nodes"]["delayed_gfx"]["params"]["ticker_label"] = label
    graph, diags = resolve_text(yaml.safe_dump(data), "graph.yaml")
    assert graph is None
    assert any("delayed_gfx" in d.message and "delay.secure" in d.message for d in diags), diags
    data["nodes"]["live_gfx"]["params"]["ticker_label"] = label  # the venue feed is live: allowed
    data["nodes"]["delayed_gfx"]["params"]["ticker_label"] = "DELAYED"
    graph, diags = resolve_text(yaml.safe_dump(data), "graph.yaml")
    assert graph is not None, diags


def test_no_made_hand_label_before_the_flop(tmp_path: Path) -> None:
    # "High Card, Queen" was drawn under pre-flop hands; the audit compares each drawn label with the state
    # and refuses any pre-flop label but a pocket pair
    report = audit_graph(REPO / "graphs" / "demo.yaml", skins=("broadcast",), aspects=("16:9",), max_frames=90,
                         out_dir=tmp_path, action_interval_s=0.25)
    for row in report.rows:
        assert row.states >= 5 and row.ok, f"{row.overlay}: {row.first_failure[0].message}"


def test_the_audit_refuses_a_pre_flop_high_card_label() -> None:
    from ggpgfx.poker.messages import SeatState, TableState
    from ggpgfx.render.audit import check_values
    from ggpgfx.render.options import OverlayOptions
    from ggpgfx.render.scene import Scene

    seats = [SeatState(seat=1, name="Ann Lee", stack=1000, hole_cards=["Qh", "7c"], revealed_to="delayed",
                       hand_label=label) for label in ("High Card, Queen",)]
    seats.append(SeatState(seat=2, name="Bo Kim", stack=1000, hole_cards=["9h", "9c"], revealed_to="delayed",
                           hand_label="Pair of Nines"))
    state = TableState(street="preflop", seats=seats, hand_number=1, big_blind=10, small_blind=5)
    scene = Scene(OverlayOptions(animate=False), 1280, 720)
    findings = check_values(scene.drawn(scene.update(state, 0), 0), state, scene)
    assert [f.element for f in findings] == ["seat:1"] and "before the flop" in findings[0].message


def _demo_with_scene_log(realtime: bool, frames: int, **overlay: object) -> list[object]:
    """graphs/demo.yaml's table, rules and overlay (its encoders left out), with the overlay's scene log."""
    from ggpgfx.api import Graph

    data = yaml.safe_load((REPO / "graphs" / "demo.yaml").read_text())
    nodes = {k: data["nodes"][k] for k in ("table", "rules", "gfx")}
    nodes["table"]["params"]["action_interval_s"] = 0.25
    nodes["gfx"]["params"].update(overlay)
    nodes["log"] = {"type": "sink.collect", "params": {"limit": 100_000}}
    nodes["out"] = {"type": "sink.null"}
    edges = [e for e in data["edges"] if e.split("->")[1].split(".")[0].strip() in nodes] + [
        "gfx.scene -> log.inp", "gfx.video -> out.inp"]
    spec = {"name": "demo-scene", "settings": {**data["settings"], "realtime": realtime}, "nodes": nodes,
            "edges": edges}
    result = Graph.from_yaml(yaml.safe_dump(spec, sort_keys=False), "<test>").run(realtime=realtime,
                                                                                 max_frames=frames)
    return result.collected("log")  # type: ignore[no-any-return]


@pytest.mark.parametrize("render_thread", ["auto", "on"])
def test_a_file_run_draws_each_frame_from_the_state_of_its_own_time(render_thread: str) -> None:
    # --no-realtime: the table runs ahead of the overlay, and the overlay drew the newest state it had, so
    # graphics of a later action landed on earlier frames; now a frame draws the newest state at or before it
    calls = _demo_with_scene_log(False, 240, render_thread=render_thread)
    drawn = [c for c in calls if c.kind in ("frame", "between") and c.state is not None]  # type: ignore[attr-defined]
    assert len({c.state.version for c in drawn}) >= 8  # type: ignore[attr-defined]
    early = [(c.pts, c.state.pts) for c in drawn if c.state.pts > c.pts]  # type: ignore[attr-defined]
    assert not early, f"frames drawn from a later state (frame pts, state pts): {early[:5]}"


def test_after_a_hand_the_table_and_the_field_show_the_same_stacks(tmp_path: Path) -> None:
    # the table's CHIP COUNTS board took the stacks from the hand just played, the field's board kept the
    # event file's counts; the audit reads both boards at every state after the hand and compares them
    report = audit_graph(REPO / "graphs" / "tournament_table.yaml", skins=("broadcast",), aspects=("16:9",),
                         max_frames=330, out_dir=tmp_path, action_interval_s=0.25)
    (row,) = report.rows
    assert row.ok, row.first_failure[0].message


def test_the_field_takes_the_stacks_of_the_players_the_table_seats() -> None:
    from ggpgfx.render.cli import load_tournament_file

    event = load_tournament_file(REPO / "graphs" / "tournament_event.json")
    merged = event.with_table_stacks({"dan  MATSUZUKI": 99, "Nobody Here": 5, "Shaun Deeb": 7})
    assert merged.player(next(p.id for p in event.players if p.name == "Dan Matsuzuki")).chips == 99  # type: ignore[union-attr]
    assert [p.chips for p in merged.players if p.name != "Dan Matsuzuki"] == \
        [p.chips for p in event.players if p.name != "Dan Matsuzuki"]  # eliminated players keep theirs
    assert merged.standings()[-1].name == "Dan Matsuzuki" and event.with_table_stacks({}) is event


def test_the_vertical_feed_leaves_the_camera_board_visible() -> None:
    # 9:16: the player boxes were drawn over the table's real board; now the column skips the frame's board
    # zone. graphs/multi_feed.yaml's vertical chain (table -> 9:16 cut -> overlay), the cut picture kept too:
    # inside the board zone the program frame must be the camera's own pixels
    import numpy as np

    from ggpgfx.api import Graph
    from ggpgfx.render.venue import zone_boxes

    data = yaml.safe_load((REPO / "graphs" / "multi_feed.yaml").read_text())
    nodes = {k: data["nodes"][k] for k in ("table", "rules", "vertical_cut", "vertical_gfx")}
    nodes["table"]["params"]["action_interval_s"] = 0.25
    nodes["vertical_gfx"]["params"]["in_place"] = False
    nodes["cam"] = {"type": "sink.collect", "params": {"keep_messages": True, "limit": 1000}}
    nodes["out"] = {"type": "sink.collect", "params": {"keep_messages": True, "limit": 1000}}
    edges = ["table.reads -> rules.reads", "table.actions -> rules.actions", "table.video -> vertical_cut.video",
             "rules.state -> vertical_gfx.state", "vertical_cut.video -> vertical_gfx.video",
             "vertical_cut.video -> cam.inp", "vertical_gfx.video -> out.inp"]
    spec = {"name": "vertical", "settings": {"fps": 30, "realtime": False}, "nodes": nodes, "edges": edges}
    result = Graph.from_yaml(yaml.safe_dump(spec, sort_keys=False), "<test>").run(realtime=False, max_frames=75)
    camera = {m.pts: m.payload for m in result.collected("cam")}
    checked = 0
    for message in result.collected("out")[::5]:
        frame = message.payload
        (x0, y0, x1, y1), = zone_boxes(frame.meta, frame.width, frame.height, "board")
        assert frame.height > frame.width and y1 - y0 > 40
        under = camera[message.pts].planes[0][y0:y1, x0:x1]
        drawn = np.asarray(frame.planes[0])[y0:y1, x0:x1]
        assert np.array_equal(drawn, under), f"pts {message.pts}: the overlay covers the camera's board"
        checked += 1
    assert checked >= 10


def test_the_audit_fails_player_boxes_over_the_camera_board(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # with the column not skipping the board zone (as before), the 9:16 audit finds the boxes on the board
    import ggpgfx.render.elements.players as players

    place = players.Column.place
    monkeypatch.setattr(players.Column, "place", lambda self, count, y, boxes, skip=True: place(self, count, y, (), False))
    skin = tmp_path / "low"
    skin.mkdir()
    (skin / "skin.yaml").write_text("name: low\ntitle: Low\nextends: broadcast\nlayouts:\n  portrait:\n"
                                    "    elements:\n      players: {x: 54, y: 700, w: 460, h: 86, gap: 6, badge_w: 150}\n")
    report = audit_graph(REPO / "graphs" / "demo.yaml", skins=(str(skin),), aspects=("9:16",), max_frames=60,
                         out_dir=tmp_path / "out")
    (row,) = report.rows
    assert row.failures["overlap"] > 0 and row.png is not None
    assert any("covers the board on the camera picture" in f.message for f in row.first_failure)


def test_a_studio_replay_of_the_vertical_feed_skips_the_board_as_live() -> None:
    # the player column's place depends on the camera frames' board zone: the overlay records it with its
    # scene calls, so a replay (what `ggp studio render` does) draws the boxes where the live output had them
    import numpy as np

    from ggpgfx.api import Graph
    from ggpgfx.render.composite import composite_layers
    from ggpgfx.render.record import SceneReplay, options_of

    data = yaml.safe_load((REPO / "graphs" / "multi_feed.yaml").read_text())
    nodes = {k: data["nodes"][k] for k in ("table", "rules", "vertical_cut", "vertical_gfx")}
    nodes["table"]["params"]["action_interval_s"] = 0.25
    nodes["vertical_gfx"]["params"].update(in_place=False, animate=False)
    for sink in ("cam", "out", "log"):
        nodes[sink] = {"type": "sink.collect", "params": {"keep_messages": True, "limit": 1000}}
    edges = ["table.reads -> rules.reads", "table.actions -> rules.actions", "table.video -> vertical_cut.video",
             "rules.state -> vertical_gfx.state", "vertical_cut.video -> vertical_gfx.video",
             "vertical_cut.video -> cam.inp", "vertical_gfx.video -> out.inp", "vertical_gfx.scene -> log.inp"]
    spec = {"name": "vertical", "settings": {"fps": 30, "realtime": False}, "nodes": nodes, "edges": edges}
    result = Graph.from_yaml(yaml.safe_dump(spec, sort_keys=False), "<test>").run(realtime=False, max_frames=60)
    calls = [m.payload for m in result.collected("log")]
    assert any(c.keep_clear for c in calls)
    options, (width, height) = options_of(calls)
    out = result.collected("out")
    replay = SceneReplay(calls, options, width, height, first_pts=out[0].pts)
    camera = {m.pts: m.payload for m in result.collected("cam")}
    for message in out:
        frame = camera[message.pts].copy()
        composite_layers(frame, replay.layers(message.pts))
        for mine, live in zip(frame.planes[:3], message.payload.planes[:3], strict=True):
            assert np.array_equal(mine, live), f"pts {message.pts}: the replay differs from the live frame"
