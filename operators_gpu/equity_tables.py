"""Evaluator tables and runout index tables held on a torch device, built once per device.

The tables are the poker core's own (`ggpgfx.poker.tables`), re-laid in int32: the summed rank key of up
to 7 cards fits in 31 bits, so the 64-bit card key of the CPU engine splits into an int32 rank key and an
int32 suit counter, which halves the memory traffic of every elementwise step on a GPU.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np

from ggpgfx.poker.kernels import NO_LOW
from ggpgfx.poker.tables import RANK_KEYS, get_tables

SUIT_START = 0x3333
FLUSH_BITS = 0x8888
ROW_SHIFT = 12
ROW_MASK = (1 << ROW_SHIFT) - 1
#: The five-card board positions a three-card Omaha board subset can use.
BOARD_TRIPLES = np.array([(x, y, z) for x in range(5) for y in range(x + 1, 5) for z in range(y + 1, 5)],
                         dtype=np.int64)


def _low_bit(card: int) -> int:
    rank = card >> 2
    if rank == 12:
        return 1
    return 1 << (rank + 1) if rank <= 6 else 0


@dataclass(frozen=True)
class DeviceTables:
    """Per-card keys and value tables as torch tensors on one device."""

    rank_key: Any  # int32[52]: the card's rank key (OMPEval constants)
    suit_key: Any  # int32[52]: 1 << 4*suit, the card's increment of its suit counter
    rank_bit: Any  # int32[52]: 1 << rank, for flush rank masks
    packed_bit: Any  # int64[52]: 1 << (16 * suit + rank): card sets sum to four 13-bit suit masks
    low_bit: Any  # int32[52]: 8-or-better low bit (ace = 1 ... eight = 128, others 0)
    popcount: Any  # int32[256]
    row_offsets: Any  # int32[rows]
    rank_values: Any  # int32: standard non-flush values
    flush_values: Any  # int32[8192]
    sd_rank_values: Any  # short deck
    sd_flush_values: Any


_lock = threading.Lock()
_tables: dict[str, DeviceTables] = {}
_combos: dict[tuple[int, int, str], Any] = {}


def device_tables(device: str) -> DeviceTables:
    """The tables on `device`, uploaded on first use and kept for the life of the process."""
    import torch

    with _lock:
        cached = _tables.get(device)
        if cached is not None:
            return cached
        t = get_tables()

        def put(array: np.ndarray, dtype: Any = torch.int32) -> Any:
            return torch.as_tensor(np.ascontiguousarray(array)).to(device=device, dtype=dtype)

        cards = np.arange(52)
        built = DeviceTables(
            rank_key=put(RANK_KEYS[cards >> 2]), suit_key=put(1 << (4 * (cards & 3))),
            rank_bit=put(1 << (cards >> 2)),
            packed_bit=put(np.left_shift(1, 16 * (cards & 3) + (cards >> 2), dtype=np.int64), torch.int64),
            low_bit=put(np.array([_low_bit(int(c)) for c in cards])),
            popcount=put(np.array([bin(m).count("1") for m in range(256)])),
            row_offsets=put(t.row_offsets), rank_values=put(t.rank_values.astype(np.int64)),
            flush_values=put(t.flush_values.astype(np.int64)),
            sd_rank_values=put(t.sd_rank_values.astype(np.int64)),
            sd_flush_values=put(t.sd_flush_values.astype(np.int64)))
        _tables[device] = built
        return built


def combination_indices(m: int, k: int) -> np.ndarray:
    """Every k-subset of range(m) in lexicographic order as an int8 (C(m, k), k) array."""
    if k == 0:
        return np.zeros((1, 0), dtype=np.int8)
    rows = np.arange(m - k + 1, dtype=np.int8)[:, None]
    for width in range(1, k):
        last = rows[:, -1].astype(np.int64)
        # a prefix ending in `last` extends by every value after it that still leaves room for the rest
        upper = m - (k - width) + 1
        counts = np.maximum(upper - (last + 1), 0)
        starts = np.repeat(last + 1, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = np.concatenate([np.repeat(rows, counts, axis=0), (starts + offsets).astype(np.int8)[:, None]], 1)
    assert rows.shape[0] == comb(m, k)
    return rows


def device_combinations(m: int, k: int, device: str) -> Any:
    """`combination_indices(m, k)` as an int32 tensor on `device`, cached (C(48, 5) x 5 is 34 MB)."""
    import torch

    key = (m, k, device)
    with _lock:
        cached = _combos.get(key)
        if cached is None:
            cached = torch.as_tensor(combination_indices(m, k)).to(device=device, dtype=torch.int32)
            if len(_combos) > 8:  # deck sizes vary little; bound the cache anyway
                _combos.clear()
            _combos[key] = cached
        return cached


def triples(device: str) -> Any:
    """BOARD_TRIPLES on `device`."""
    import torch

    return torch.as_tensor(BOARD_TRIPLES, device=device)


__all__ = ["BOARD_TRIPLES", "FLUSH_BITS", "NO_LOW", "ROW_MASK", "ROW_SHIFT", "SUIT_START", "DeviceTables",
           "combination_indices", "device_combinations", "device_tables", "triples"]
