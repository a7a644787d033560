"""Numba kernels of the equity engine: exact enumeration of runouts and seeded Monte Carlo.

Every kernel returns integer counts per player so results from other backends (CUDA) can be compared
bit for bit: `wins` (boards won alone), `ties` (boards shared), `shares` (pot units won, UNIT per
board, split exactly because UNIT is divisible by every split of a hi-lo pot among up to 10 players).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ggpgfx.poker.kernels import (
    FLUSH_BITS,
    NO_LOW,
    ROW_MASK,
    ROW_SHIFT,
    SUIT_START,
    omaha_low,
    omaha_value,
)

UNIT = 5040  # lcm(1..10) * 2: half a pot splits evenly among any number of players up to 10
GAME_HOLDEM, GAME_OMAHA, GAME_OMAHA_HILO = 0, 1, 2


@numba.njit(cache=True, inline="always")
def _holdem_value(key, board, hole, card_keys, row_offsets, rank_values, flush_values):  # type: ignore[no-untyped-def]
    if key & FLUSH_BITS:
        suits = key & FLUSH_BITS
        suit = 0
        while not (suits >> (4 * suit + 3)) & 1:
            suit += 1
        mask = 0
        for i in range(5):
            if (board[i] & 3) == suit:
                mask |= 1 << (board[i] >> 2)
        for i in range(2):
            if (hole[i] & 3) == suit:
                mask |= 1 << (hole[i] >> 2)
        return flush_values[mask]
    rank_key = key >> 32
    return rank_values[(rank_key & ROW_MASK) + row_offsets[rank_key >> ROW_SHIFT]]


@numba.njit(cache=True, inline="always")
def _split(values, lows, players, hilo, share):  # type: ignore[no-untyped-def]
    """Pot units each player wins on one board (high: larger wins; low: smaller wins, NO_LOW none)."""
    best = values[0]
    for p in range(1, players):
        if values[p] > best:
            best = values[p]
    best_low = NO_LOW
    if hilo:
        for p in range(players):
            if lows[p] < best_low:
                best_low = lows[p]
    high_pot = UNIT if best_low == NO_LOW else UNIT // 2
    count = 0
    for p in range(players):
        share[p] = 0
        if values[p] == best:
            count += 1
    for p in range(players):
        if values[p] == best:
            share[p] += high_pot // count
    if best_low != NO_LOW:
        low_count = 0
        for p in range(players):
            if lows[p] == best_low:
                low_count += 1
        for p in range(players):
            if lows[p] == best_low:
                share[p] += (UNIT // 2) // low_count


@numba.njit(cache=True, inline="always")
def _score(game, board_key, full_board, holes, n_hole, hole_keys, values, lows, share,  # type: ignore[no-untyped-def]
           card_keys, row_offsets, rank_values, flush_values):
    players = holes.shape[0]
    if game == GAME_HOLDEM:
        for p in range(players):
            values[p] = _holdem_value(board_key + hole_keys[p], full_board, holes[p], card_keys, row_offsets,
                                      rank_values, flush_values)
    else:
        for p in range(players):
            values[p] = omaha_value(holes[p], n_hole, full_board, 5, card_keys, row_offsets, rank_values,
                                    flush_values)
            if game == GAME_OMAHA_HILO:
                lows[p] = omaha_low(holes[p], n_hole, full_board, 5)
    _split(values, lows, players, game == GAME_OMAHA_HILO, share)


@numba.njit(cache=True, parallel=True)
def exact_kernel(game, holes, board, deck, card_keys, row_offsets, rank_values, flush_values, chunks):  # type: ignore[no-untyped-def]
    """Enumerate every completion of `board` from `deck`; counts (wins, ties, shares) as (3, P) plus total.

    Outer card indices are interleaved over `chunks` so both cores get equal work; inner levels keep
    partial key sums so each board costs one add per player.
    """
    players, n_hole = holes.shape
    known = board.size
    k = 5 - known
    m = deck.size
    acc = np.zeros((chunks, 3, players), dtype=np.int64)
    totals = np.zeros(chunks, dtype=np.int64)
    base = SUIT_START
    for c in board:
        base += card_keys[c]
    hole_keys = np.zeros(players, dtype=np.int64)
    for p in range(players):
        hole_keys[p] = card_keys[holes[p, 0]] + card_keys[holes[p, 1]]
    for chunk in prange(chunks):
        full = np.empty(5, dtype=board.dtype)
        full[:known] = board
        values = np.empty(players, dtype=np.int64)
        lows = np.full(players, NO_LOW, dtype=np.int64)
        share = np.empty(players, dtype=np.int64)
        idx = np.zeros(6, dtype=np.int64)
        partial = np.zeros(6, dtype=np.int64)
        tally = np.zeros((3, players), dtype=np.int64)  # local: shared rows would bounce between cores
        boards = 0
        if k == 0:
            if chunk == 0:
                _score(game, base, full, holes, n_hole, hole_keys, values, lows, share, card_keys, row_offsets,
                       rank_values, flush_values)
                totals[0] += 1
                for p in range(players):
                    acc[0, 0, p] += share[p] == UNIT
                    acc[0, 1, p] += (share[p] > 0) and (share[p] < UNIT)
                    acc[0, 2, p] += share[p]
            continue
        for first in range(chunk, m - k + 1, chunks):
            idx[0] = first
            partial[0] = base + card_keys[deck[first]]
            full[known] = deck[first]
            level = 1 if k > 1 else 0
            if k > 1:
                idx[1] = first
            while True:
                if level == k - 1:
                    if k > 1:
                        idx[level] += 1
                        if idx[level] > m - 1:
                            level -= 1
                            if level == 0:
                                break
                            continue
                        partial[level] = partial[level - 1] + card_keys[deck[idx[level]]]
                        full[known + level] = deck[idx[level]]
                    _score(game, partial[level], full, holes, n_hole, hole_keys, values, lows, share, card_keys,
                           row_offsets, rank_values, flush_values)
                    boards += 1
                    for p in range(players):
                        tally[0, p] += share[p] == UNIT
                        tally[1, p] += (share[p] > 0) and (share[p] < UNIT)
                        tally[2, p] += share[p]
                    if k == 1:
                        break
                else:
                    idx[level] += 1
                    if idx[level] > m - (k - level):
                        level -= 1
                        if level == 0:
                            break
                        continue
                    partial[level] = partial[level - 1] + card_keys[deck[idx[level]]]
                    full[known + level] = deck[idx[level]]
                    level += 1
                    idx[level] = idx[level - 1]
        acc[chunk] += tally
        totals[chunk] += boards
    return acc.sum(axis=0), totals.sum()


@numba.njit(cache=True, inline="always")
def _next(state):  # type: ignore[no-untyped-def]
    """splitmix64 step on a 1-element uint64 array; returns 64 random bits."""
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, parallel=True)
def monte_carlo_kernel(game, holes, board, deck, trials, seed, card_keys, row_offsets, rank_values,  # type: ignore[no-untyped-def]
                       flush_values, chunks):
    """Random completions of `board`; counts (wins, ties, shares, shares squared) as (4, P) plus total."""
    players, n_hole = holes.shape
    known = board.size
    k = 5 - known
    m = deck.size
    acc = np.zeros((chunks, 4, players), dtype=np.int64)
    base = SUIT_START
    for c in board:
        base += card_keys[c]
    hole_keys = np.zeros(players, dtype=np.int64)
    for p in range(players):
        hole_keys[p] = card_keys[holes[p, 0]] + card_keys[holes[p, 1]]
    per_chunk = (trials + chunks - 1) // chunks
    for chunk in prange(chunks):
        state = np.empty(1, dtype=np.uint64)
        state[0] = np.uint64(seed) * np.uint64(0x2545F4914F6CDD1D) + np.uint64(chunk + 1)
        local = deck.copy()
        full = np.empty(5, dtype=board.dtype)
        full[:known] = board
        values = np.empty(players, dtype=np.int64)
        lows = np.full(players, NO_LOW, dtype=np.int64)
        share = np.empty(players, dtype=np.int64)
        tally = np.zeros((4, players), dtype=np.int64)  # local: shared rows would bounce between cores
        begin = chunk * per_chunk
        end = min(trials, begin + per_chunk)
        for _ in range(begin, end):
            key = base
            for j in range(k):
                # Lemire's multiply-shift maps 32 random bits onto [0, m - j) without a division
                r = j + np.int64((np.uint64(_next(state) >> np.uint64(32)) * np.uint64(m - j)) >> np.uint64(32))
                card = local[r]
                local[r] = local[j]
                local[j] = card
                full[known + j] = card
                key += card_keys[card]
            _score(game, key, full, holes, n_hole, hole_keys, values, lows, share, card_keys, row_offsets,
                   rank_values, flush_values)
            for p in range(players):
                tally[0, p] += share[p] == UNIT
                tally[1, p] += (share[p] > 0) and (share[p] < UNIT)
                tally[2, p] += share[p]
                tally[3, p] += share[p] * share[p]
        acc[chunk] = tally
    return acc.sum(axis=0), trials


@numba.njit(cache=True, inline="always")
def _flush_value(key, c0, c1, c2, c3, c4, h0, h1, flush_values):  # type: ignore[no-untyped-def]
    suits = key & FLUSH_BITS
    suit = 0
    while not (suits >> (4 * suit + 3)) & 1:
        suit += 1
    mask = 0
    for c in (c0, c1, c2, c3, c4, h0, h1):
        if (c & 3) == suit:
            mask |= 1 << (c >> 2)
    return flush_values[mask]


@numba.njit(cache=True, parallel=True)
def exact_preflop_holdem_kernel(holes, deck, card_keys, row_offsets, rank_values, flush_values, chunks):  # type: ignore[no-untyped-def]
    """Hold'em with no board: five nested loops with running key sums; same counts as `exact_kernel`.

    The hot loop keeps per-player tallies in local arrays and splits by table lookup (no division).
    """
    players = holes.shape[0]
    m = deck.size
    split = np.zeros(players + 1, dtype=np.int64)
    for n in range(1, players + 1):
        split[n] = UNIT // n
    hole_keys = np.zeros(players, dtype=np.int64)
    for p in range(players):
        hole_keys[p] = card_keys[holes[p, 0]] + card_keys[holes[p, 1]]
    acc = np.zeros((chunks, 3, players), dtype=np.int64)
    totals = np.zeros(chunks, dtype=np.int64)
    for chunk in prange(chunks):
        values = np.empty(players, dtype=np.int64)
        wins = np.zeros(players, dtype=np.int64)
        ties = np.zeros(players, dtype=np.int64)
        shares = np.zeros(players, dtype=np.int64)
        boards = 0
        for i0 in range(chunk, m - 4, chunks):
            c0 = deck[i0]
            k0 = SUIT_START + card_keys[c0]
            for i1 in range(i0 + 1, m - 3):
                c1 = deck[i1]
                k1 = k0 + card_keys[c1]
                for i2 in range(i1 + 1, m - 2):
                    c2 = deck[i2]
                    k2 = k1 + card_keys[c2]
                    for i3 in range(i2 + 1, m - 1):
                        c3 = deck[i3]
                        k3 = k2 + card_keys[c3]
                        for i4 in range(i3 + 1, m):
                            c4 = deck[i4]
                            k4 = k3 + card_keys[c4]
                            boards += 1
                            best = 0
                            count = 0
                            for p in range(players):
                                key = k4 + hole_keys[p]
                                if key & FLUSH_BITS:
                                    v = _flush_value(key, c0, c1, c2, c3, c4, holes[p, 0], holes[p, 1], flush_values)
                                else:
                                    rank_key = key >> 32
                                    v = rank_values[(rank_key & ROW_MASK) + row_offsets[rank_key >> ROW_SHIFT]]
                                values[p] = v
                                if v > best:
                                    best = v
                                    count = 1
                                elif v == best:
                                    count += 1
                            if count == 1:
                                for p in range(players):
                                    if values[p] == best:
                                        wins[p] += 1
                                        shares[p] += UNIT
                            else:
                                for p in range(players):
                                    if values[p] == best:
                                        ties[p] += 1
                                        shares[p] += split[count]
        for p in range(players):
            acc[chunk, 0, p] = wins[p]
            acc[chunk, 1, p] = ties[p]
            acc[chunk, 2, p] = shares[p]
        totals[chunk] = boards
    return acc.sum(axis=0), totals.sum()
