"""Numba kernels of the evaluator: one card key sum, one flush test, one or two table loads per hand.

Tables are passed in as arguments (not globals) so the compiled code caches without embedding them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numba
import numpy as np
from numba import prange

from ggpgfx.jit import numba as load_numba

load_numba()  # Numba's CPU target without SciPy's BLAS probe (ggpgfx.jit)

SUIT_START = 0x3333
FLUSH_BITS = 0x8888
ROW_MASK = 0xFFF
ROW_SHIFT = 12
NO_LOW = 0xFFFF  # worse than any qualifying 8-or-better low (those are 8-bit masks)


@numba.njit(cache=True, inline="always")
def value_of_key(key, cards, n, card_keys, row_offsets, rank_values, flush_values):  # type: ignore[no-untyped-def]
    """Value of a hand given its summed card key; `cards[:n]` is consulted only for a flush."""
    suits = key & FLUSH_BITS
    if suits != 0:
        suit = 0
        while not (suits >> (4 * suit + 3)) & 1:
            suit += 1
        mask = 0
        for i in range(n):
            c = cards[i]
            if (c & 3) == suit:
                mask |= 1 << (c >> 2)
        return flush_values[mask]
    rank_key = key >> 32
    return rank_values[(rank_key & ROW_MASK) + row_offsets[rank_key >> ROW_SHIFT]]


@numba.njit(cache=True, inline="always")
def value_of_cards(cards, n, card_keys, row_offsets, rank_values, flush_values):  # type: ignore[no-untyped-def]
    """Value of the best 5-card hand inside `cards[:n]` (n = 5, 6 or 7)."""
    key = SUIT_START
    for i in range(n):
        key += card_keys[cards[i]]
    return value_of_key(key, cards, n, card_keys, row_offsets, rank_values, flush_values)


@numba.njit(cache=True, parallel=True)
def evaluate_batch_kernel(hands, card_keys, row_offsets, rank_values, flush_values):  # type: ignore[no-untyped-def]
    """Values of each row of an int8/int16 (N, k) card array, k in 5..7."""
    count, width = hands.shape
    out = np.empty(count, dtype=np.uint32)
    for h in prange(count):
        out[h] = value_of_cards(hands[h], width, card_keys, row_offsets, rank_values, flush_values)
    return out


@numba.njit(cache=True, inline="always")
def omaha_value(hole, n_hole, board, n_board, card_keys, row_offsets, rank_values, flush_values):  # type: ignore[no-untyped-def]
    """Best high value using exactly two hole cards and exactly three board cards."""
    best = 0
    for a in range(n_hole - 1):
        for b in range(a + 1, n_hole):
            pair_key = SUIT_START + card_keys[hole[a]] + card_keys[hole[b]]
            for x in range(n_board - 2):
                for y in range(x + 1, n_board - 1):
                    xy_key = pair_key + card_keys[board[x]] + card_keys[board[y]]
                    for z in range(y + 1, n_board):
                        key = xy_key + card_keys[board[z]]
                        if key & FLUSH_BITS:
                            # five cards of one suit: the rank mask is just their five ranks
                            mask = ((1 << (hole[a] >> 2)) | (1 << (hole[b] >> 2)) | (1 << (board[x] >> 2))
                                    | (1 << (board[y] >> 2)) | (1 << (board[z] >> 2)))
                            v = flush_values[mask]
                        else:
                            rank_key = key >> 32
                            v = rank_values[(rank_key & ROW_MASK) + row_offsets[rank_key >> ROW_SHIFT]]
                        if v > best:
                            best = v
    return best


@numba.njit(cache=True, inline="always")
def low_bit(card):  # type: ignore[no-untyped-def]
    """Bit of a card for 8-or-better lows (ace = bit 0 ... eight = bit 7), 0 for nine and up."""
    rank = card >> 2
    if rank == 12:
        return 1
    if rank <= 6:
        return 1 << (rank + 1)
    return 0


@numba.njit(cache=True, inline="always")
def popcount8(mask):  # type: ignore[no-untyped-def]
    """Bits set in a small mask."""
    total = 0
    while mask:
        mask &= mask - 1
        total += 1
    return total


@numba.njit(cache=True, inline="always")
def omaha_low(hole, n_hole, board, n_board):  # type: ignore[no-untyped-def]
    """Best 8-or-better low with two hole and three board cards as a rank mask (lower wins), or NO_LOW.

    Five distinct low ranks compare highest-first, which is exactly integer order of their masks.
    """
    best = NO_LOW
    for a in range(n_hole - 1):
        for b in range(a + 1, n_hole):
            la = low_bit(hole[a])
            lb = low_bit(hole[b])
            if la == 0 or lb == 0 or la == lb:
                continue
            pair = la | lb
            for x in range(n_board - 2):
                for y in range(x + 1, n_board - 1):
                    for z in range(y + 1, n_board):
                        mask = pair | low_bit(board[x]) | low_bit(board[y]) | low_bit(board[z])
                        # five bits set means five distinct low ranks (a high card adds no bit)
                        if popcount8(mask) == 5 and mask < best:
                            best = mask
    return best


@numba.njit(cache=True, parallel=True)
def omaha_batch_kernel(holes, boards, card_keys, row_offsets, rank_values, flush_values):  # type: ignore[no-untyped-def]
    """Omaha high values for each (hole row, board row) pair."""
    count = holes.shape[0]
    out = np.empty(count, dtype=np.uint32)
    for h in prange(count):
        out[h] = omaha_value(holes[h], holes.shape[1], boards[h], boards.shape[1], card_keys, row_offsets,
                             rank_values, flush_values)
    return out


@numba.njit(cache=True, parallel=True)
def omaha_low_batch_kernel(holes, boards):  # type: ignore[no-untyped-def]
    """Omaha 8-or-better low masks (NO_LOW when none) for each (hole row, board row) pair."""
    count = holes.shape[0]
    out = np.empty(count, dtype=np.uint32)
    for h in prange(count):
        out[h] = omaha_low(holes[h], holes.shape[1], boards[h], boards.shape[1])
    return out


@contextlib.contextmanager
def threads_for(work: int, threshold: int) -> Iterator[None]:
    """Run the parallel kernels of this block on one thread for small jobs or on an oversubscribed machine.

    A launch costs tens of microseconds, and when the cores are busy with other processes (load average
    above the core count) OpenMP workers waiting at the join cost more than the work: measured on the
    shared 2-core box at load 10-16, one thread ran exact heads-up preflop in ~35 ms, two in ~80 ms.
    The setting is per calling thread.
    """
    busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    if work >= threshold and not busy:
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
