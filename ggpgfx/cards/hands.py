"""Hands for the table simulator: read PHH hand histories (pokerkit) or play seeded random hands.

Both give a `RawHand` (PHH-shaped fields); `ggpgfx.cards.script` turns it into a timed script.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.poker.cards import FULL_DECK

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_HANDS = DATA_DIR / "hands.phhs"

NAMES = ["Ava Lindqvist", "Bruno Costa", "Chen Wei", "Dara Okafor", "Elif Yildiz", "Farid Haddad",
         "Greta Novak", "Hugo Marchetti", "Ines Duarte", "Jonas Berg"]


@dataclass
class RawHand:
    """One hand in PHH terms: players p1..pN in blind order, integer chip amounts, PHH action strings."""

    players: list[str]
    seats: list[int]
    starting_stacks: list[int]
    blinds: list[int]
    antes: list[int]
    actions: list[str]
    hand_number: int = 1
    meta: dict[str, Any] = field(default_factory=dict)


def _scale_of(values: list[Any]) -> int:
    """Smallest power of ten that makes every amount an integer (cash games are in cents)."""
    for scale in (1, 10, 100, 1000):
        if all((Decimal(str(v)) * scale) % 1 == 0 for v in values):
            return scale
    return 1000


def _amount(value: Any, scale: int) -> int:
    return int(Decimal(str(value)) * scale)


def from_history(history: Any, hand_number: int = 1) -> RawHand:
    """Convert a pokerkit HandHistory (hold'em) into a RawHand with integer chips."""
    count = len(history.starting_stacks)
    numbers: list[Any] = list(history.starting_stacks) + list(history.blinds_or_straddles) + list(history.antes)
    for action in history.actions:
        parts = action.split()
        if len(parts) >= 3 and parts[1] == "cbr":
            numbers.append(parts[2])
    scale = _scale_of(numbers)
    actions = []
    for action in history.actions:
        parts = action.split()
        if len(parts) >= 3 and parts[1] == "cbr":
            parts[2] = str(_amount(parts[2], scale))
        actions.append(" ".join(parts))
    seats = list(history.seats) if history.seats else list(range(1, count + 1))
    if count > 10 or any(not 1 <= s <= 10 for s in seats):
        raise ConfigError(f"hand {hand_number}: seats must be 1..10 and at most 10 players, got {seats}")
    players = list(history.players) if history.players else [NAMES[i] for i in range(count)]
    return RawHand(players=[str(p)[:18] for p in players], seats=seats,
                   starting_stacks=[_amount(v, scale) for v in history.starting_stacks],
                   blinds=[_amount(v, scale) for v in history.blinds_or_straddles],
                   antes=[_amount(v, scale) for v in history.antes], actions=actions,
                   hand_number=hand_number, meta={"scale": scale, "source_hand": history.hand})


def load_hands(path: str | Path | None = None, limit: int | None = None) -> list[RawHand]:
    """Read hold'em hands from a .phh or .phhs file (default: the hands shipped with the package)."""
    from pokerkit import HandHistory

    file = Path(path) if path else DEFAULT_HANDS
    if not file.is_file():
        raise ConfigError(f"hand history file not found: {file}")
    hands: list[RawHand] = []
    with file.open("rb") as stream, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pokerkit warns about unprefixed site-specific fields
        histories = HandHistory.load_all(stream) if file.suffix == ".phhs" else [HandHistory.load(stream)]
        for index, history in enumerate(histories, start=1):
            if history.variant != "NT":
                continue  # the simulator draws hold'em tables
            hands.append(from_history(history, index))
            if limit is not None and len(hands) >= limit:
                break
    if not hands:
        raise ConfigError(f"no no-limit hold'em hands in {file}")
    return hands


def random_hand(rng: random.Random, players: int = 6, hand_number: int = 1, small_blind: int = 50,
                big_blind: int = 100, stack: int = 10_000) -> RawHand:
    """Play one seeded random no-limit hold'em hand with pokerkit and record it as PHH actions."""
    from pokerkit import Automation, NoLimitTexasHoldem

    automations = (Automation.ANTE_POSTING, Automation.BET_COLLECTION, Automation.BLIND_OR_STRADDLE_POSTING,
                   Automation.CARD_BURNING, Automation.HOLE_CARDS_SHOWING_OR_MUCKING, Automation.HAND_KILLING,
                   Automation.CHIPS_PUSHING, Automation.CHIPS_PULLING)
    stacks = [rng.randrange(stack // 2, stack * 2, big_blind) for _ in range(players)]
    state = NoLimitTexasHoldem.create_state(automations, True, 0, (small_blind, big_blind), big_blind, stacks,
                                            players)
    with warnings.catch_warnings():  # pokerkit warns when dealt cards differ from its own shuffled deck
        warnings.simplefilter("ignore")
        return _play(rng, state, players, hand_number, stacks, small_blind, big_blind)


def _play(rng: random.Random, state: Any, players: int, hand_number: int, stacks: list[int], small_blind: int,
          big_blind: int) -> RawHand:
    deck = list(FULL_DECK)
    rng.shuffle(deck)
    actions: list[str] = []
    for p in range(players):
        cards = deck.pop() + deck.pop()
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
    seats = sorted(rng.sample(range(1, 11), players))
    names = rng.sample(NAMES, players)
    return RawHand(players=names, seats=seats, starting_stacks=stacks, blinds=[small_blind, big_blind] +
                   [0] * (players - 2), antes=[0] * players, actions=actions, hand_number=hand_number)


def plan_hands(source: str = "phh", hands: str | Path | None = None, max_hands: int | None = None,
               players: int = 6, seed: int = 0) -> tuple[list[RawHand], random.Random]:
    """The hands a simulated table plays and the random generator that then fills their unknown cards.

    The table simulator and the RFID reader simulator both start here with the same arguments, so
    they play exactly the same cards at the same times.
    """
    rng = random.Random(seed)
    if source == "phh":
        return load_hands(hands, limit=max_hands), rng
    if source != "random":
        raise ConfigError(f"bad hand source {source!r}: expected 'phh' or 'random'")
    return [random_hand(rng, players, hand_number=i + 1) for i in range(max_hands or 3)], rng
