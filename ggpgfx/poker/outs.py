"""Outs heads-up: the next cards that turn the player behind (or tied) into the outright leader."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ggpgfx.poker import evaluator
from ggpgfx.poker.cards import card_list
from ggpgfx.poker.equity import prepare
from ggpgfx.poker.variants import Variant, variant


def _values(holes: np.ndarray, boards: np.ndarray, chosen: Variant) -> np.ndarray:
    """High values of each player (rows of holes) on each board (rows of boards): shape (P, B)."""
    rows = []
    for hole in holes:
        if chosen.evaluator == "holdem":
            cards = np.concatenate([np.broadcast_to(hole, (boards.shape[0], hole.size)), boards], axis=1)
            rows.append(evaluator.evaluate_batch(cards.astype(np.int8), chosen.short_deck))
        else:
            repeated = np.ascontiguousarray(np.broadcast_to(hole, (boards.shape[0], hole.size)))
            rows.append(evaluator.evaluate_omaha_batch(repeated, boards.astype(np.int8)))
    return np.stack(rows)


def outs(hands: Sequence[str | Sequence[str]], board: str | Sequence[str], dead: str | Sequence[str] = (),
         game: str | Variant = "nlhe") -> list[list[str]]:
    """Per player, the unseen cards that make them the sole high-hand leader when they are not now.

    Defined on the flop and turn, heads-up; dead and mucked cards are never outs. Hi-lo games count
    the high hand only.
    """
    chosen = variant(game)
    request = prepare(hands, board, dead, chosen)
    if request.holes.shape[0] != 2 or request.board.size not in (3, 4):
        return [[] for _ in hands]
    now = _values(request.holes, request.board[None, :], chosen)[:, 0]
    boards = np.concatenate([np.broadcast_to(request.board, (request.deck.size, request.board.size)),
                             request.deck[:, None]], axis=1)
    after = _values(request.holes, boards, chosen)
    result: list[list[str]] = []
    for p in range(2):
        other = 1 - p
        if now[p] > now[other]:
            result.append([])
            continue
        cards = request.deck[after[p] > after[other]]
        result.append(card_list(cards))
    return result
