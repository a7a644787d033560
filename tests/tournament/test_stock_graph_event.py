"""graphs/tournament_table.yaml as its audience sees it: the event file agrees with the hand on the felt.

The overlay puts the table's hand (its blinds, its stacks) and the event file's clock, field and
leaderboard on one picture; a producer would stop a show whose clock says one level while the board
says another, or whose feature-table stack is bigger than all the chips in play.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ggpgfx.cards.hands import plan_hands
from ggpgfx.tournament.state import parse_tournament_state

ROOT = Path(__file__).resolve().parents[2]


def _graph_pieces() -> tuple[dict, dict]:
    graph = yaml.safe_load((ROOT / "graphs" / "tournament_table.yaml").read_text())
    nodes = graph["nodes"]
    table = next(n["params"] for n in nodes.values() if n["type"] == "ingest.table_sim")
    event = next(n["params"] for n in nodes.values() if n["type"] == "ingest.tournament")
    return table, event


def test_the_clock_level_is_the_blinds_of_the_hand_on_the_felt() -> None:
    table, event = _graph_pieces()
    state = parse_tournament_state((ROOT / event["path"]).read_text())
    hand = plan_hands("phh", table.get("hands"), table.get("max_hands"))[0][0]
    assert state.clock is not None
    level = state.clock.levels[state.clock.level_index]
    blinds = [b for b in hand.blinds_or_straddles if b]
    assert (level.small_blind, level.big_blind) == (min(blinds), max(blinds))
    assert level.big_blind_ante == max(hand.antes)


def test_the_feature_table_players_are_in_the_field_with_their_stacks() -> None:
    table, event = _graph_pieces()
    state = parse_tournament_state((ROOT / event["path"]).read_text())
    hand = plan_hands("phh", table.get("hands"), table.get("max_hands"))[0][0]
    chips = {p.name: p.chips for p in state.players if p.active}
    assert {name: chips.get(name) for name in hand.players} == dict(zip(hand.players, hand.starting_stacks, strict=True))


def test_the_field_counts_add_up() -> None:
    _, event = _graph_pieces()
    state = parse_tournament_state((ROOT / event["path"]).read_text())
    active = [p for p in state.players if p.active]
    entries = state.field.entries + state.field.re_entries
    assert state.field.total_chips == entries * state.event.starting_stack == sum(p.chips for p in active)
    assert state.players_remaining() == len(active) == state.field.players_remaining
    assert state.average_stack() == state.field.total_chips // len(active)
    leader = state.leader()
    assert leader is not None and leader.chips == max(p.chips for p in active)
