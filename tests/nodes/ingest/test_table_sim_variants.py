"""ingest.table_sim deals any variant of the registry: a PLO hand from PHH, rendered end to end through a graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ggpgfx.api import Graph
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import TableState
from ggpgfx.poker.phh import load_hands, replay

PLO_HAND = Path(__file__).parents[2] / "poker" / "data" / "antonius-blom-2009.phh"  # Antonius v Blom, 2009


def test_a_plo_hand_from_phh_plays_through_the_rules_node_into_the_overlay() -> None:
    g = Graph("plo", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=640, height=360, hands=str(PLO_HAND), action_interval_s=0.2,
                deal_interval_s=0.05, end_pause_s=0.5)
    game = g.add("rules.poker", id="game", equity=False)
    gfx = g.add("render.overlay", id="gfx", reveal="delayed", animate=False, in_place=False)
    states = g.add("sink.collect", id="states", limit=100_000)
    raw = g.add("sink.collect", id="raw", limit=100_000)
    out = g.add("sink.collect", id="out", limit=100_000)
    sim.reads >> game.reads
    sim.actions >> game.actions
    sim.video >> gfx.video
    sim.video >> raw.inp
    game.state >> gfx.state
    game.state >> states.inp
    gfx.video >> out.inp
    result = g.run(max_frames=3000, realtime=False)
    assert result.error is None

    seen = [s for s in result.collected("states") if isinstance(s, TableState)]
    assert seen and all(s.game == "plo" for s in seen if s.hand_number)
    flop = next(s for s in seen if s.street == "flop")
    assert [len(s.hole_cards) for s in flop.seats] == [4, 4]  # four hole cards each, read card by card
    final = seen[-1]
    assert final.street == "complete" and final.board == ["4s", "5c", "2h", "5h", "9c"]
    # who won what is the engine's record, and it is what pokerkit's own replay of the file says (in cents)
    recorded = replay(load_hands(PLO_HAND)[0]).pot_winners
    winner = next(s for s in final.seats if s.name == "Patrik Antonius")
    assert final.winnings == {winner.seat: round(recorded[0]["Patrik Antonius"] * 100)}
    assert winner.hand_label == "Straight, Five high"

    # the overlay drew the hand: a winner's box with four card faces, over the simulated table
    boxes = [e.key for name, e in result.instances["gfx"].scene.elements.items() if name.startswith("seat:")]
    drawn = next(view for view in boxes if view.name == "Patrik Antonius")
    assert drawn.winner and drawn.hole_cards == ("Ah", "3s", "Ks", "Kh") and drawn.action.startswith("Wins ")
    before, after = result.collected("raw")[-1], result.collected("out")[-1]
    assert isinstance(after, VideoFrame) and after.pts == before.pts
    assert not np.array_equal(before.planes[0], after.planes[0])


def _overflow(cards: list[str], seat: int = 3) -> int:
    """How many pixels the drawn hole cards of a seat reach outside its calibrated zone."""
    from ggpgfx.cards.deck import get_style
    from ggpgfx.cards.scene import SceneRenderer, TableLayout
    from ggpgfx.poker.phh_script import SeatView, TableView

    layout = TableLayout(1280, 720)
    scene = SceneRenderer(layout, get_style("broadcast"), name_plates=False)
    scene.update(TableView(1, {seat: SeatView(seat, "P", 0)}))
    empty = scene.frame_planes()[0].astype(int)
    scene.update(TableView(1, {seat: SeatView(seat, "P", 0, hole_cards=cards)}))
    ys, xs = np.nonzero(np.abs(scene.frame_planes()[0].astype(int) - empty) > 8)
    zone = next(z for z in layout.zones() if z.seat == seat)
    zx, zy = [p[0] for p in zone.polygon], [p[1] for p in zone.polygon]
    return max(min(zx) - xs.min(), xs.max() - max(zx), min(zy) - ys.min(), ys.max() - max(zy), 0)


def test_omaha_hole_cards_fan_inside_the_seat_zone_the_camera_declares() -> None:
    # venue_safe covers the declared seat zones and detect.cards reads inside them: 4-6 cards must stay there
    two = _overflow(["Ah", "Kd"])
    assert _overflow(["Ah", "Kd", "Qs", "Jc"]) <= two + 2
    assert _overflow(["Ah", "Kd", "Qs", "Jc", "Th", "9s"]) <= two + 2


def test_random_plo_table_deals_four_cards_a_seat() -> None:
    g = Graph("plo-random", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=640, height=360, source="random", game="plo", max_hands=1,
                players=3, seed=2, action_interval_s=0.1, deal_interval_s=0.02)
    actions = g.add("sink.collect", id="actions", limit=100_000)
    reads = g.add("sink.collect", id="reads", limit=100_000)
    sim.actions >> actions.inp
    sim.reads >> reads.inp
    result = g.run(max_frames=2000, realtime=False)
    assert result.error is None
    start = result.collected("actions")[0]
    assert start.kind == "start_hand" and start.hand.game == "plo"
    rows = [r for t in result.collected("reads") for r in t.to_pylist() if r["zone"] == "seat"]
    per_seat: dict[int, int] = {}
    for row in rows:
        per_seat[row["seat"]] = per_seat.get(row["seat"], 0) + 1
    assert sorted(per_seat.values()) == [4, 4, 4]
