"""Lookup tables for the evaluator, built once in NumPy/Numba and cached to a .npz.

A hand's value is `category << 20 | five rank nibbles` (nibble = rank + 1, most significant first), so
higher is better, the category is `value >> 20` and a label can be read straight off the value.
Non-flush hands are looked up by the sum of per-rank keys (sums of up to 7 are unique; constants from
OMPEval), compressed by a row-displacement perfect hash into ~100k entries that fit in L2 cache.
Flushes are looked up by the 13-bit mask of the flush suit's ranks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

TABLES_VERSION = 1
RANK_KEYS = np.array(
    [0x2000, 0x8001, 0x11000, 0x3A000, 0x91000, 0x176005, 0x366000, 0x41A013, 0x47802E, 0x479068,
     0x48C0E4, 0x48F211, 0x494493], dtype=np.int64)
ROW_SHIFT = 12
#: Suit counters live in the low 16 bits of a card key, each starting at 3: a count of 5 sets bit 3.
SUIT_START = 0x3333
FLUSH_BITS = 0x8888

# Categories in value order. Short deck swaps flush and full house (flush is rarer with 36 cards).
STANDARD_CATEGORIES = ("High Card", "Pair", "Two Pair", "Three of a Kind", "Straight", "Flush",
                       "Full House", "Four of a Kind", "Straight Flush")
SHORT_DECK_CATEGORIES = ("High Card", "Pair", "Two Pair", "Three of a Kind", "Straight", "Full House",
                         "Flush", "Four of a Kind", "Straight Flush")


def _pack(category: int, ranks: list[int]) -> int:
    value = category
    for i in range(5):
        value = (value << 4) | (ranks[i] + 1 if i < len(ranks) else 0)
    return value


def _straight_top(present: list[bool], short_deck: bool) -> int:
    for top in range(12, 3, -1):
        if all(present[top - k] for k in range(5)):
            return top
    if short_deck:
        if present[12] and all(present[r] for r in (4, 5, 6, 7)):
            return 7  # A-6-7-8-9: nine high
    elif present[12] and all(present[r] for r in (0, 1, 2, 3)):
        return 3  # wheel: five high
    return -1


def best_from_counts(counts: list[int], short_deck: bool) -> int:
    """Value of the best non-flush hand from a rank-count vector (any number of cards up to 7)."""
    cat_fh, cat_quads = (5, 7) if short_deck else (6, 7)
    desc = [r for r in range(12, -1, -1) for _ in range(counts[r])]
    by_count = {n: [r for r in range(12, -1, -1) if counts[r] >= n] for n in (2, 3, 4)}
    if by_count[4]:
        quad = by_count[4][0]
        return _pack(cat_quads, [quad] + [r for r in desc if r != quad][:1])
    if by_count[3]:
        trips = by_count[3][0]
        pairs = [r for r in by_count[2] if r != trips]
        if pairs:
            return _pack(cat_fh, [trips, pairs[0]])
    top = _straight_top([c > 0 for c in counts], short_deck)
    if top >= 0:
        return _pack(4, [top])
    if by_count[3]:
        trips = by_count[3][0]
        return _pack(3, [trips] + [r for r in desc if r != trips][:2])
    if len(by_count[2]) >= 2:
        high, low = by_count[2][:2]
        return _pack(2, [high, low] + [r for r in desc if r not in (high, low)][:1])
    if by_count[2]:
        pair = by_count[2][0]
        return _pack(1, [pair] + [r for r in desc if r != pair][:3])
    return _pack(0, desc[:5])


def best_flush(mask: int, short_deck: bool) -> int:
    """Value of the best flush or straight flush inside a 13-bit rank mask (0 if fewer than 5 ranks)."""
    present = [bool(mask >> r & 1) for r in range(13)]
    if sum(present) < 5:
        return 0
    top = _straight_top(present, short_deck)
    if top >= 0:
        return _pack(8, [top])
    return _pack(6 if short_deck else 5, [r for r in range(12, -1, -1) if present[r]][:5])


def _rank_multisets() -> tuple[np.ndarray, np.ndarray]:
    keys: list[int] = []
    counts_list: list[list[int]] = []

    def walk(rank: int, left: int, key: int, counts: list[int]) -> None:
        if rank == 13:
            keys.append(key)
            counts_list.append(list(counts))
            return
        for n in range(min(4, left) + 1):
            counts.append(n)
            walk(rank + 1, left - n, key + n * int(RANK_KEYS[rank]), counts)
            counts.pop()

    walk(0, 7, 0, [])
    return np.array(keys, dtype=np.int64), np.array(counts_list, dtype=np.int8)


@numba.njit(cache=True)
def _displace(keys: np.ndarray, row_shift: int) -> tuple[np.ndarray, np.ndarray]:
    mask = (1 << row_shift) - 1
    rows = (keys >> row_shift).astype(np.int64)
    row_count = rows.max() + 1
    sizes = np.zeros(row_count, dtype=np.int64)
    for r in rows:
        sizes[r] += 1
    order = np.argsort(-sizes, kind="mergesort")
    starts = np.zeros(row_count + 1, dtype=np.int64)
    for i in range(row_count):
        starts[i + 1] = starts[i] + sizes[i]
    members = np.empty(keys.size, dtype=np.int64)
    fill = starts[:-1].copy()
    for i in range(keys.size):
        members[fill[rows[i]]] = keys[i] & mask
        fill[rows[i]] += 1
    used = np.zeros(keys.size * 4 + (1 << row_shift), dtype=np.bool_)
    offsets = np.zeros(row_count, dtype=np.int64)
    for row in order:
        if sizes[row] == 0:
            continue
        offset = 0
        while True:
            ok = True
            for j in range(starts[row], starts[row + 1]):
                if used[members[j] + offset]:
                    ok = False
                    break
            if ok:
                break
            offset += 1
        for j in range(starts[row], starts[row + 1]):
            used[members[j] + offset] = True
        offsets[row] = offset
    return offsets, used


@dataclass(frozen=True)
class Tables:
    """All evaluator tables (NumPy arrays passed into the Numba kernels)."""

    card_keys: np.ndarray  # int64[52]: rank key << 32 | suit counter increment
    row_offsets: np.ndarray  # int32[rows]
    rank_values: np.ndarray  # uint32[size]: standard non-flush values by hashed rank key
    flush_values: np.ndarray  # uint32[8192]
    sd_rank_values: np.ndarray  # short deck
    sd_flush_values: np.ndarray


def build_tables() -> Tables:
    """Build every table from first principles (about a second)."""
    keys, counts = _rank_multisets()
    offsets, used = _displace(keys, ROW_SHIFT)
    size = int(np.flatnonzero(used).max()) + 1
    index = (keys & ((1 << ROW_SHIFT) - 1)) + offsets[keys >> ROW_SHIFT]
    rank_values = np.zeros(size, dtype=np.uint32)
    sd_rank_values = np.zeros(size, dtype=np.uint32)
    for i in range(keys.size):
        row = [int(c) for c in counts[i]]
        rank_values[index[i]] = best_from_counts(row, False)
        sd_rank_values[index[i]] = best_from_counts(row, True)
    flush_values = np.array([best_flush(m, False) for m in range(8192)], dtype=np.uint32)
    sd_flush_values = np.array([best_flush(m, True) for m in range(8192)], dtype=np.uint32)
    card_keys = np.array([(int(RANK_KEYS[c >> 2]) << 32) | (1 << (4 * (c & 3))) for c in range(52)],
                         dtype=np.int64)
    return Tables(card_keys, offsets.astype(np.int32), rank_values, flush_values, sd_rank_values,
                  sd_flush_values)


def cache_path() -> Path:
    """Where the built tables are cached: `$GGP_HOME/cache/` (default `~/.ggp`, like the runtime)."""
    home = Path(os.environ.get("GGP_HOME") or Path.home() / ".ggp")
    return home / "cache" / f"poker_tables_v{TABLES_VERSION}.npz"


_TABLES: Tables | None = None


def get_tables() -> Tables:
    """The evaluator tables: loaded from the cache, else built and cached (best effort)."""
    global _TABLES
    if _TABLES is not None:
        return _TABLES
    path = cache_path()
    fields = Tables.__dataclass_fields__
    try:
        with np.load(path) as data:
            _TABLES = Tables(**{name: data[name] for name in fields})
            return _TABLES
    except (OSError, KeyError, ValueError):
        pass
    _TABLES = build_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **{name: getattr(_TABLES, name) for name in fields})
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs a rebuild next time
    return _TABLES
