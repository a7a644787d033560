"""From a TableState to what each element shows, applying the output's reveal level."""

from __future__ import annotations

from ggpgfx.poker.messages import SeatState, TableState
from ggpgfx.render.elements.players import PlayerView
from ggpgfx.render.elements.table import BoardView, OutsView

IN_HAND_STREETS = ("preflop", "flop", "turn", "river", "showdown")
BETTING_STREETS = ("preflop", "flop", "turn", "river")


def _hole_count(game: str) -> int:
    """Cards each player holds in this game (backs are drawn for the ones not read yet)."""
    from ggpgfx.poker.variants import variant  # pokerkit loads with the first hand, not with the node

    return variant(game).hole_cards


def can_see(seat: SeatState, reveal: str) -> bool:
    """Whether an output at this reveal level may show the seat's hole cards (and what they imply)."""
    return seat.revealed_to == "live" or (reveal == "delayed" and seat.revealed_to == "delayed")


def shown_seats(state: TableState) -> list[SeatState]:
    """Seats that get a player box, in seat order."""
    return sorted((s for s in state.seats if s.status not in ("empty", "sitting_out")), key=lambda s: s.seat)


def _checked_this_round(seat: SeatState, state: TableState) -> bool:
    """Whether the seat's check belongs to the betting round now running: with no chips bet in this round,
    the seats that have acted are those ahead of the player to act, in order from the button's left."""
    if any(s.bet > 0 for s in state.seats):
        return False  # a check with chips bet this round is the big blind's option (its blind is its bet)
    acting = sorted((s.seat for s in state.seats if s.status == "active"),
                    key=lambda n: (n <= (state.button or 0), n))
    if state.to_act is None or state.to_act not in acting:
        return False  # nobody to act: the checks closed the last round and the street's card is still to come
    return seat.seat in acting[:acting.index(state.to_act)]


def shown_action(seat: SeatState, state: TableState, won: int = 0) -> str | None:
    """The action badge a seat shows: what it did in the betting round now running, FOLD after a fold, ALL IN
    while all in, WINS what it collected at the end of the hand.

    An action goes when its chips are pulled into the pot (the next street, the end of the hand): a bet, call
    or raise shows while the seat's `bet` holds chips of this round, a check while it was this round's.
    """
    if won > 0 and state.street in ("showdown", "complete"):
        return f"Wins {won:,}"
    if seat.status == "folded":
        return seat.last_action or "FOLD"
    action = seat.last_action
    fresh = state.street in BETTING_STREETS and bool(action) and (
        seat.bet > 0 or (action or "").split()[0].lower() == "check" and _checked_this_round(seat, state))
    if seat.status == "all_in" and state.street in (*BETTING_STREETS, "showdown"):
        return action if fresh else "ALL IN"
    return action if fresh else None


def player_view(seat: SeatState, state: TableState, reveal: str, stack: float | None = None,
                equity: float | None = None, won: int = 0) -> PlayerView:
    """The player box content for a seat; hidden cards become backs and private numbers vanish.

    `won` is what the seat collected from the pots of the finished hand (`TableState.winnings`).
    """
    visible = can_see(seat, reveal)
    live_hand = state.street in IN_HAND_STREETS
    # after the hand ("complete") the cards still in stay up so the winning hand is seen
    in_hand = (live_hand or state.street == "complete") and seat.status in ("active", "all_in")
    # a hidden hand shows as many backs as were dealt, known or not: the picture must not tell them apart
    default_count = _hole_count(state.game) if in_hand else 0
    dealt = (len(seat.hole_cards) if visible else 0) or default_count
    action = shown_action(seat, state, won)
    winner = bool(action and action.split()[0].lower() in ("wins", "win", "winner"))
    return PlayerView(
        seat=seat.seat,
        name=seat.name,
        stack=seat.stack if stack is None else stack,
        status=seat.status,
        hole_cards=tuple(seat.hole_cards) if visible and in_hand else (),
        card_count=dealt if in_hand else 0,
        equity=(seat.equity if equity is None else equity) if visible and in_hand else None,
        hand_label=seat.hand_label if visible else None,
        action=action,
        is_to_act=seat.is_to_act or state.to_act == seat.seat,
        is_button=seat.is_button or state.button == seat.seat,
        country=seat.country,
        photo=seat.photo,
        big_blind=state.big_blind,
        winner=winner,
    )


#: Board cards each betting street is dealt with, and the street before it.
STREET_CARDS = {"flop": (3, "preflop"), "turn": (4, "flop"), "river": (5, "turn")}


def board_street(state: TableState) -> str:
    """The street the board panel names: the one whose cards are on the board. Once a round's betting closes the
    state is already the next street while its card is still to be read; 'TURN' over three cards read wrong."""
    street: str = state.street
    while street in STREET_CARDS and len(state.board) < STREET_CARDS[street][0]:
        street = STREET_CARDS[street][1]
    return street


def board_view(state: TableState) -> BoardView:
    """The board panel content."""
    return BoardView(
        board=tuple(state.board),
        total_pot=state.total_pot,
        pots=tuple(p.amount for p in state.pots),
        street=board_street(state),
        hand_number=state.hand_number,
        small_blind=state.small_blind,
        big_blind=state.big_blind,
        ante=state.ante,
    )


def outs_view(state: TableState, reveal: str) -> OutsView | None:
    """Outs of the trailing player in a heads-up all-in on the flop or turn, if this output may see them."""
    if state.street not in ("flop", "turn"):
        return None
    live = [s for s in state.seats if s.status in ("active", "all_in")]
    if len(live) != 2 or not any(s.status == "all_in" for s in live):
        return None
    if not all(can_see(s, reveal) for s in live):
        return None
    candidates = [s for s in live if s.outs]
    if not candidates:
        return None
    trailing = min(candidates, key=lambda s: s.equity if s.equity is not None else 1.0)
    return OutsView(trailing.name, tuple(trailing.outs or ()), trailing.equity)


def standings(state: TableState) -> tuple[tuple[str, float], ...]:
    """(name, stack) of every seated player, biggest stack first."""
    seated = [s for s in state.seats if s.status not in ("empty",)]
    return tuple((s.name, float(s.stack)) for s in sorted(seated, key=lambda s: (-s.stack, s.seat)))
