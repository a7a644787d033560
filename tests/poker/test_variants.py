"""The variant registry: every game described once, agreeing with pokerkit, and used by every consumer."""

from __future__ import annotations

import pokerkit
import pytest
from pydantic import ValidationError

from ggpgfx.errors import ConfigError
from ggpgfx.poker import equity, evaluator, outs
from ggpgfx.poker.messages import HandSetup, SeatSetup, TableState
from ggpgfx.poker.variants import VARIANTS, Variant, create_state, phh_variant, variant

SAMPLE = ["Ah", "Kh", "Qd", "Jd", "Tc", "9c", "8s", "7s", "6h", "7d", "8d", "9h"]


@pytest.mark.parametrize("chosen", list(VARIANTS.values()), ids=list(VARIANTS))
def test_each_variant_agrees_with_its_pokerkit_class(chosen: Variant) -> None:
    hand_types = chosen.game_class.hand_types  # type: ignore[attr-defined]
    omaha = pokerkit.OmahaHoldemHand in hand_types
    assert chosen.evaluator == ("omaha" if omaha else "holdem")
    assert chosen.hi_lo == any("Low" in t.__name__ for t in hand_types)
    assert chosen.short_deck == (pokerkit.ShortDeckHoldemHand in hand_types)
    assert len(chosen.deck) == len(list(chosen.game_class.deck))  # type: ignore[attr-defined]
    assert variant(chosen.code) is chosen and all(variant(alias) is chosen for alias in chosen.aliases)
    if chosen.phh_code:
        assert pokerkit.HandHistory.game_types[chosen.phh_code] is chosen.game_class
        assert phh_variant(chosen.phh_code) is chosen


@pytest.mark.parametrize("chosen", list(VARIANTS.values()), ids=list(VARIANTS))
def test_each_variant_plays_evaluates_and_solves(chosen: Variant) -> None:
    setup = HandSetup(game=chosen.code, seats=[SeatSetup(seat=1, name="A", stack=1000),
                                               SeatSetup(seat=2, name="B", stack=1000)],
                      button=2, small_blind=5, big_blind=10)
    state, order = create_state(setup)
    assert order == [1, 2] and state.status
    count = chosen.hole_cards
    cards = [c for c in SAMPLE if c in chosen.deck] + [c for c in chosen.deck if c not in SAMPLE]
    hands = ["".join(cards[:count]), "".join(cards[count:2 * count])]
    board = cards[2 * count:2 * count + 3]
    result = equity.equity(hands, "".join(board), game=chosen, exact=True)
    assert result.game == chosen.code and sum(result.equity) == pytest.approx(1.0)
    assert evaluator.describe(cards[:count], board, chosen)
    assert len(outs.outs(hands, "".join(board), game=chosen.code)) == 2


def test_names_resolve_and_mistakes_are_clear() -> None:
    assert variant("omaha") is VARIANTS["plo"] and variant("holdem") is VARIANTS["nlhe"]
    with pytest.raises(ConfigError, match="unknown game 'razz': choose one of nlhe, plhe"):
        variant("razz")
    with pytest.raises(ConfigError, match="PHH variant 'FR' is not played here"):
        phh_variant("FR")
    with pytest.raises(ConfigError, match="Short Deck is played without 2c"):
        equity.prepare(["AhAd", "2cKs"], game="shortdeck")


def test_table_state_keeps_the_code_on_the_wire_and_checks_it() -> None:
    state = TableState(game="omaha8")
    assert state.game == "plo8" and '"game":"plo8"' in state.model_dump_json()
    assert TableState.model_validate_json(state.model_dump_json()).game == "plo8"
    with pytest.raises(ValidationError, match="unknown game 'stud'"):
        TableState(game="stud")
