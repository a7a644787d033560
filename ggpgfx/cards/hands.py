"""Hands for the table simulator: PHH hand histories of any registered variant, or seeded random hands.

Both are pokerkit `HandHistory`s; `ggpgfx.poker.phh_script.build_script` turns one into a timed script
(the one PHH -> script path of the project).
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path
from typing import Any

from pokerkit import HandHistory

from ggpgfx.errors import ConfigError
from ggpgfx.poker.phh import load_hands
from ggpgfx.poker.variants import VARIANTS, Variant, phh_variant, variant

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_HANDS = DATA_DIR / "hands.phhs"

NAMES = ["Ava Lindqvist", "Bruno Costa", "Chen Wei", "Dara Okafor", "Elif Yildiz", "Farid Haddad",
         "Greta Novak", "Hugo Marchetti", "Ines Duarte", "Jonas Berg"]


def table_hands(path: str | Path | None = None, limit: int | None = None) -> list[HandHistory]:
    """The hands of a .phh/.phhs file a table can deal (every registered variant; default: the shipped hands)."""
    file = Path(path) if path else DEFAULT_HANDS
    if not file.is_file():
        raise ConfigError(f"hand history file not found: {file}")
    hands: list[HandHistory] = []
    for number, history in enumerate(load_hands(file), start=1):
        try:
            phh_variant(history.variant)
        except ConfigError:
            continue  # stud and draw games: not dealt by this table
        count = len(history.starting_stacks)
        seats = list(history.seats) if history.seats else list(range(1, count + 1))
        if count > 10 or any(not 1 <= s <= 10 for s in seats):
            raise ConfigError(f"{file} hand {number}: seats must be 1..10 and at most 10 players, got {seats}")
        if not history.players:
            history.players = NAMES[:count]
        hands.append(history)
        if limit is not None and len(hands) >= limit:
            break
    if not hands:
        raise ConfigError(f"no hands of a supported game in {file}")
    return hands


def random_hand(rng: random.Random, players: int = 6, hand_number: int = 1, small_blind: int = 50,
                big_blind: int = 100, stack: int = 10_000, game: str = "nlhe") -> HandHistory:
    """Play one seeded random hand of a game (one with a PHH code) with pokerkit and record it as PHH."""
    from pokerkit import Automation

    chosen = variant(game)
    if chosen.phh_code is None:
        playable = ", ".join(v.code for v in VARIANTS.values() if v.phh_code)
        raise ConfigError(f"random hands of {chosen.name} cannot be written as PHH: choose one of {playable}")
    automations = (Automation.ANTE_POSTING, Automation.BET_COLLECTION, Automation.BLIND_OR_STRADDLE_POSTING,
                   Automation.CARD_BURNING, Automation.HOLE_CARDS_SHOWING_OR_MUCKING, Automation.HAND_KILLING,
                   Automation.CHIPS_PUSHING, Automation.CHIPS_PULLING)
    stacks = [rng.randrange(stack // 2, stack * 2, big_blind) for _ in range(players)]
    factory: Any = chosen.game_class
    bets: tuple[int, ...] = (big_blind, 2 * big_blind) if chosen.fixed_limit else (big_blind,)
    state = factory.create_state(automations, True, 0, (small_blind, big_blind), *bets, stacks, players)
    with warnings.catch_warnings():  # pokerkit warns when dealt cards differ from its own shuffled deck
        warnings.simplefilter("ignore")
        actions = _play(rng, state, chosen, big_blind)
    seats = sorted(rng.sample(range(1, 11), players))
    names = rng.sample(NAMES, players)
    sizes: dict[str, Any] = {"small_bet": big_blind, "big_bet": 2 * big_blind} if chosen.fixed_limit else \
        {"min_bet": big_blind}
    return HandHistory(variant=chosen.phh_code, ante_trimming_status=True, antes=[0] * players,
                       blinds_or_straddles=[small_blind, big_blind] + [0] * (players - 2), starting_stacks=stacks,
                       actions=actions, players=names, seats=seats, hand=hand_number, **sizes)


def _play(rng: random.Random, state: Any, chosen: Variant, big_blind: int) -> list[str]:
    deck = list(chosen.deck)
    rng.shuffle(deck)
    actions: list[str] = []
    for p in range(state.player_count):
        cards = "".join(deck.pop() for _ in range(chosen.hole_cards))
        state.deal_hole(cards)
        actions.append(f"d dh p{p + 1} {cards}")
    while state.status:
        if state.can_deal_board():
            count = 3 if not state.board_cards else 1
            cards = "".join(deck.pop() for _ in range(count))
            state.deal_board(cards)
            actions.append(f"d db {cards}")
            continue
        actor = state.actor_index
        if actor is None:
            break
        roll = rng.random()
        owed = state.checking_or_calling_amount or 0
        if owed and roll < 0.25 and state.can_fold():
            state.fold()
            actions.append(f"p{actor + 1} f")
        elif roll > 0.85 and state.can_complete_bet_or_raise_to():
            low = state.min_completion_betting_or_raising_to_amount or big_blind
            high = state.max_completion_betting_or_raising_to_amount or low
            amount = min(high, low + rng.randrange(0, 3) * big_blind)
            state.complete_bet_or_raise_to(amount)
            actions.append(f"p{actor + 1} cbr {amount}")
        else:
            state.check_or_call()
            actions.append(f"p{actor + 1} cc")
    return actions


def plan_hands(source: str = "phh", hands: str | Path | None = None, max_hands: int | None = None,
               players: int = 6, seed: int = 0, game: str = "nlhe") -> tuple[list[HandHistory], random.Random]:
    """The hands a simulated table plays and the random generator that then fills their unknown cards.

    The table simulator and the RFID reader simulator both start here with the same arguments, so
    they play exactly the same cards at the same times.
    """
    rng = random.Random(seed)
    if source == "phh":
        return table_hands(hands, limit=max_hands), rng
    if source != "random":
        raise ConfigError(f"bad hand source {source!r}: expected 'phh' or 'random'")
    return [random_hand(rng, players, hand_number=i + 1, game=game) for i in range(max_hands or 3)], rng
