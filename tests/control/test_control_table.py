"""ControlTable: every verb judged against the replica, rejects change nothing, undo, misdeal, a recorded hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from control_helpers import NEW_HAND, PHH

from ggpgfx.control.journal import JournalWriter, read_entries
from ggpgfx.control.phh_requests import hand_requests
from ggpgfx.control.table import VERBS, ControlTable
from ggpgfx.poker.phh import load_hands


class Table:
    """A ControlTable with a request counter."""

    def __init__(self, journal: Path | None = None) -> None:
        self.table = ControlTable("table-1", JournalWriter(journal) if journal else None)
        self.n = 0

    def send(self, verb: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        self.n += 1
        return self.table.handle(f"r{self.n}", verb, args or {}, **extra)

    def ok(self, verb: str, args: dict[str, Any] | None = None) -> int:
        reply = self.send(verb, args)
        assert reply["type"] == "ack", reply
        return int(reply["version"])

    def rejected(self, verb: str, args: dict[str, Any] | None, code: str) -> str:
        before = self.table.state()
        reply = self.send(verb, args)
        assert reply["type"] == "reject" and reply["error"]["code"] == code, reply
        assert self.table.state() == before  # nothing applied
        return str(reply["error"]["message"])

    def seat(self, number: int) -> dict[str, Any]:
        return next(s for s in self.table.state()["seats"] if s["seat"] == number)


@pytest.fixture
def t() -> Table:
    table = Table()
    table.ok("new_hand", NEW_HAND)  # button 3: seat 1 posts 50, seat 2 posts 100, seat 3 acts first
    return table


def test_new_hand_posts_blinds_and_predicts_amounts(t: Table) -> None:
    state = t.table.state()
    assert state["hand_number"] == 1 and state["to_act"] == 3 and state["version"] == 1
    assert [(s["stack"], s["bet"]) for s in state["seats"]] == [(9_950, 50), (9_900, 100), (10_000, 0)]
    assert state["predict"] == {"seat": 3, "call": 100, "min_raise_to": 200, "half_pot": 225, "pot": 350,
                                "all_in": 10_000, "can_check": False, "can_raise": True}


def test_betting_verbs_and_their_rejections(t: Table) -> None:
    message = t.rejected("bet", {"seat": 3, "amount": 150}, "illegal_action")
    assert message == "seat 3 cannot raise to 150: the minimum raise is to 200"
    assert t.rejected("bet", {"seat": 3, "amount": 20_000}, "not_enough_chips") == (
        "seat 3 cannot raise to 20,000: it has 10,000 behind (all-in is to 10,000)")
    assert t.rejected("fold", {"seat": 1}, "out_of_turn") == "seat 1 cannot act: seat 3 is to act"
    assert "seats: 1, 2, 3" in t.rejected("check_call", {"seat": 7}, "unknown_seat")
    t.ok("bet", {"seat": 3, "amount": 300})
    t.ok("fold", {"seat": 1})
    t.ok("check_call", {"seat": 2})
    state = t.table.state()
    assert state["street"] == "flop" and state["total_pot"] == 650 and state["to_act"] is None
    t.ok("board", {"cards": ["7c", "8d", "9h"]})
    assert t.table.state()["to_act"] == 2 and t.table.state()["predict"]["can_check"] is True
    t.ok("check_call", {"seat": 2})
    t.ok("all_in", {"seat": 3})
    assert t.seat(3)["stack"] == 0 and t.seat(3)["status"] == "all_in"
    t.ok("fold", {"seat": 2})
    assert t.table.state()["street"] == "complete" and t.seat(3)["stack"] == 10_350


def test_cards_show_muck_chop_and_next_hand(t: Table) -> None:
    t.ok("deal", {"seat": 1, "cards": ["Ah", "Kd"]})
    assert t.rejected("deal", {"seat": 2, "cards": ["Ah", "2c"]}, "illegal_action") == (
        "Ah is already on the table (seat 1)")
    assert "not a card" in t.rejected("deal", {"seat": 2, "cards": ["Zz"]}, "bad_request")
    assert t.rejected("deal", {"seat": 1, "cards": ["2c"]}, "illegal_action") == (
        "seat 1 gets 2 hole cards and already has 2")
    t.ok("deal", {"seat": 2, "cards": ["Ad", "Kh"]})
    assert t.seat(1)["hole_cards"] == ["Ah", "Kd"]
    assert t.rejected("next_hand", {}, "illegal_action") == "seat 3 is still to act: finish the betting, or misdeal"
    t.ok("fold", {"seat": 3})
    t.ok("check_call", {"seat": 1})
    t.ok("check_call", {"seat": 2})
    assert t.rejected("board", {"cards": ["2c", "3c"]}, "bad_request") == "the flop is 3 cards, not 2"
    t.ok("board", {"cards": ["2c", "3c", "4c"]})
    for street_card in ("5d", "9s"):
        t.ok("check_call", {"seat": 1})
        t.ok("check_call", {"seat": 2})
        t.ok("board", {"cards": [street_card]})
    assert t.rejected("board", {"cards": ["Ts"]}, "illegal_action") == "the board already has 5 cards"
    t.ok("check_call", {"seat": 1})
    t.ok("check_call", {"seat": 2})  # AK v AK on 2345-9: a split pot, pokerkit settles it
    state = t.table.state()
    assert state["street"] == "complete"
    assert [t.seat(s)["stack"] for s in (1, 2, 3)] == [10_000, 10_000, 10_000]
    t.ok("show", {"seat": 1})
    t.ok("next_hand", {})
    t.ok("new_hand", NEW_HAND)
    assert t.table.state()["hand_number"] == 2


def test_chop_splits_the_pot_among_live_players(t: Table) -> None:
    t.ok("check_call", {"seat": 3})
    t.ok("check_call", {"seat": 1})
    t.ok("check_call", {"seat": 2})
    for cards in (["2c", "3c", "4c"], ["5d"], ["9s"]):
        t.ok("board", {"cards": cards})
        for seat in (1, 2, 3):
            t.ok("check_call", {"seat": seat})
    assert t.table.state()["street"] == "showdown"  # nobody's cards are known: the operator settles it
    assert t.rejected("muck", {"seat": 7}, "unknown_seat")
    t.ok("muck", {"seat": 3})
    t.ok("chop", {})
    assert [t.seat(s)["stack"] for s in (1, 2, 3)] == [10_050, 10_050, 9_900]


def test_undo_any_number_of_steps_across_streets(t: Table) -> None:
    t.ok("bet", {"seat": 3, "amount": 300})
    t.ok("check_call", {"seat": 1})
    t.ok("check_call", {"seat": 2})
    t.ok("board", {"cards": ["7c", "8d", "9h"]})
    t.ok("bet", {"seat": 1, "amount": 500})
    assert t.table.state()["street"] == "flop"
    version = t.ok("undo", {"steps": 3})  # the bet, the flop cards, seat 2's call
    state = t.table.state()
    assert version == 7 and state["street"] == "preflop" and state["to_act"] == 2 and state["board"] == []
    assert t.seat(2)["bet"] == 100 and t.seat(1)["bet"] == 300
    assert t.rejected("undo", {"steps": 9}, "illegal_action") == "cannot undo 9 steps: 3 to undo"
    t.ok("undo", {"steps": 3})  # back to before the hand
    assert t.table.state()["street"] == "idle"


def test_misdeal_restores_the_starting_stacks(t: Table) -> None:
    t.ok("deal", {"seat": 1, "cards": ["Ah", "Kd"]})
    t.ok("bet", {"seat": 3, "amount": 1_000})
    t.ok("check_call", {"seat": 1})
    t.ok("misdeal", {})
    state = t.table.state()
    assert state["street"] == "preflop" and state["to_act"] == 3 and state["seats"][0]["hole_cards"] == []
    assert [s["stack"] + s["bet"] for s in state["seats"]] == [10_000, 10_000, 10_000]


def test_graphics_and_informational_verbs(t: Table) -> None:
    t.ok("graphics", {"hidden": True})
    t.ok("ticker", {"text": "Final table"})
    t.ok("lower_third", {"text": "Ann, chip leader"})
    t.ok("leaderboard", {"shown": True})
    t.ok("tag", {"note": "cooler"})
    state = t.table.state()
    assert state["graphics_hidden"] is True and state["ticker"] == "Final table" and state["tags"] == ["cooler"]
    assert state["lower_third"] == "Ann, chip leader" and state["leaderboard_shown"] is True
    t.ok("adjust_stack", {"seat": 3, "amount": 12_345})
    assert t.seat(3)["stack"] == 12_345
    t.ok("undo", {})  # the stack correction
    t.ok("undo", {})  # the graphics toggle (ticker, tag ... are not game steps)
    assert t.seat(3)["stack"] == 10_000 and t.table.state()["graphics_hidden"] is False


def test_every_verb_is_covered_by_these_tests() -> None:
    source = Path(__file__).read_text()
    assert all(f'"{verb}"' in source for verb in VERBS)


def test_bad_args_unknown_verb_idempotency_and_conflicts(t: Table) -> None:
    assert t.rejected("bet", {"seat": 3}, "bad_request") == "bet: amount: Field required"
    assert t.rejected("bet", {"seat": 3, "amount": 300, "extra": 1}, "bad_request").startswith("bet: extra:")
    assert t.rejected("raise_to", {"seat": 3}, "unknown_verb").startswith("unknown verb 'raise_to'")
    first = t.table.handle("same-id", "bet", {"seat": 3, "amount": 300})
    again = t.table.handle("same-id", "bet", {"seat": 3, "amount": 300})
    assert first == again == {"type": "ack", "id": "same-id", "version": 2}
    assert t.seat(3)["bet"] == 300 and t.table.version == 2
    stale = t.table.handle("c-1", "fold", {"seat": 1}, expect_version=1)
    assert stale["error"]["code"] == "conflict" and t.table.version == 2
    assert t.table.handle("c-2", "fold", {"seat": 1}, expect_version=2)["type"] == "ack"


def test_a_recorded_hand_ends_with_the_recorded_stacks_and_the_journal_replays(tmp_path: Path) -> None:
    journal = tmp_path / "table.jsonl"
    t = Table(journal)
    for verb, args in hand_requests(PHH):
        t.ok(verb, args)
    recorded = [int(s) for s in load_hands(PHH)[0].finishing_stacks or []]
    assert [s["stack"] for s in t.table.state()["seats"]] == recorded
    entries, _ = read_entries(journal)
    assert [e["version"] for e in entries] == list(range(1, t.table.version + 1))
    again = ControlTable("table-1")
    assert again.load(journal) == len(entries)
    assert again.state() == t.table.state()
