"""Exact equity in one CUDA kernel through CuPy, and the same C source built with gcc for CPU tests.

`enumerate_kernel(request)` needs CuPy and a CUDA device: each thread scores whole boards in registers
(no intermediate arrays, one launch), which is what pays on a GPU once the torch version's dozens of
elementwise launches dominate. `enumerate_host(request)` compiles the identical scoring code as a C
shared library (gcc, cached) and loops on the CPU: it exists so tests prove the kernel's arithmetic
equals the Numba engine's on machines without a GPU.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from ggpgfx.operators_gpu.equity_source import SOURCE
from ggpgfx.operators_gpu.equity_tables import combination_indices

from ggpgfx.errors import ConfigError
from ggpgfx.poker.tables import RANK_KEYS, get_tables

if TYPE_CHECKING:
    from ggpgfx.poker.equity import EquityRequest

MAX_PLAYERS = 10
THREADS = 256
_lock = threading.Lock()
_host_library: list[Any] = []
_device_state: dict[str, Any] = {}


def _low_bit(card: int) -> int:
    rank = card >> 2
    return 1 if rank == 12 else (1 << (rank + 1) if rank <= 6 else 0)


def host_tables(short_deck: bool) -> dict[str, np.ndarray]:
    """The kernel's per-card and value tables as contiguous int32/int64 numpy arrays."""
    t = get_tables()
    cards = np.arange(52)
    return {
        "rank_key": RANK_KEYS[cards >> 2].astype(np.int32),
        "suit_key": (1 << (4 * (cards & 3))).astype(np.int32),
        "packed_bit": np.left_shift(1, 16 * (cards & 3) + (cards >> 2), dtype=np.int64),
        "rank_bit": (1 << (cards >> 2)).astype(np.int32),
        "low_bit": np.array([_low_bit(int(c)) for c in cards], dtype=np.int32),
        "row_offsets": t.row_offsets.astype(np.int32),
        "rank_values": (t.sd_rank_values if short_deck else t.rank_values).astype(np.int32),
        "flush_values": (t.sd_flush_values if short_deck else t.flush_values).astype(np.int32),
    }


TABLE_ORDER = ("rank_key", "suit_key", "packed_bit", "rank_bit", "low_bit", "row_offsets", "rank_values",
               "flush_values")


def _check(request: EquityRequest) -> int:
    players = int(request.holes.shape[0])
    if players > MAX_PLAYERS:
        raise ConfigError(f"the equity kernel handles up to {MAX_PLAYERS} players, got {players}")
    if int(request.game_code) not in (0, 1, 2):
        raise ConfigError(f"the equity kernel has no game code {request.game_code}")
    return players


def _compile_host() -> Any:
    """gcc the shared source into a cached shared library and load it (ConfigError without a compiler)."""
    with _lock:
        if _host_library:
            return _host_library[0]
        compiler = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
        if compiler is None:
            raise ConfigError("no C compiler (gcc/cc) to build the host twin of the equity kernel")
        digest = hashlib.sha256(SOURCE.encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / "ggpgfx-equity-kernel"
        folder.mkdir(parents=True, exist_ok=True)
        library = folder / f"equity_{digest}.so"
        if not library.exists():
            source = folder / f"equity_{digest}.{os.getpid()}.c"
            source.write_text(SOURCE)
            partial = folder / f"equity_{digest}.{os.getpid()}.so"
            subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", str(partial), str(source)], check=True,
                           capture_output=True, timeout=120)
            os.replace(partial, library)  # atomic: concurrent test workers never load half a file
            source.unlink(missing_ok=True)
        loaded = ctypes.CDLL(str(library))
        _host_library.append(loaded)
        return loaded


def _arguments(request: EquityRequest) -> tuple[np.ndarray, int, list[Any]]:
    k = 5 - int(request.board.size)
    combos = combination_indices(int(request.deck.size), k).astype(np.uint8)
    holes = np.ascontiguousarray(request.holes, dtype=np.int32)
    return combos, k, [np.ascontiguousarray(request.deck, dtype=np.int32),
                       np.ascontiguousarray(request.board, dtype=np.int32), holes]


def enumerate_host(request: EquityRequest) -> tuple[np.ndarray, int]:
    """Counts int64 (3, P) and board count from the kernel's scoring code compiled for the CPU."""
    players = _check(request)
    library = _compile_host()
    combos, k, (deck, known, holes) = _arguments(request)
    tables = host_tables(bool(request.short_deck))
    counts = np.zeros(3 * players, dtype=np.uint64)

    def pointer(array: np.ndarray) -> Any:
        return array.ctypes.data_as(ctypes.c_void_p)

    library.ggp_equity_host(pointer(combos), ctypes.c_longlong(combos.shape[0]), ctypes.c_int(k), pointer(deck),
                            pointer(known), ctypes.c_int(known.size), pointer(holes), ctypes.c_int(players),
                            ctypes.c_int(holes.shape[1]), ctypes.c_int(int(request.game_code)),
                            *[pointer(tables[name]) for name in TABLE_ORDER], pointer(counts))
    return counts.astype(np.int64).reshape(3, players), int(combos.shape[0])


def _device(short_deck: bool) -> dict[str, Any]:
    """The compiled kernel and the tables on the current CUDA device (built once)."""
    import cupy

    key = f"{cupy.cuda.runtime.getDevice()}:{int(short_deck)}"
    with _lock:
        state = _device_state.get(key)
        if state is None:
            module = cupy.RawModule(code=SOURCE, options=("-DGGP_CUDA", "-std=c++17"))
            state = {"kernel": module.get_function("ggp_equity"), "combos": {},
                     "tables": [cupy.asarray(host_tables(short_deck)[name]) for name in TABLE_ORDER],
                     "blocks": 8 * cupy.cuda.Device().attributes["MultiProcessorCount"]}
            _device_state[key] = state
        return state


def enumerate_kernel(request: EquityRequest) -> tuple[np.ndarray, int]:
    """Counts int64 (3, P) and board count from the CUDA kernel (needs CuPy and a CUDA device)."""
    import cupy

    players = _check(request)
    state = _device(bool(request.short_deck))
    k = 5 - int(request.board.size)
    m = int(request.deck.size)
    combos = state["combos"].get((m, k))
    if combos is None:
        combos = cupy.asarray(combination_indices(m, k).astype(np.uint8))
        state["combos"][(m, k)] = combos
    n_boards = int(combos.shape[0])
    deck = cupy.asarray(np.ascontiguousarray(request.deck, dtype=np.int32))
    known = cupy.asarray(np.ascontiguousarray(request.board, dtype=np.int32).reshape(-1))
    if known.size == 0:
        known = cupy.zeros(1, dtype=np.int32)  # never read; a valid pointer all the same
    holes = cupy.asarray(np.ascontiguousarray(request.holes, dtype=np.int32))
    counts = cupy.zeros(3 * players, dtype=cupy.uint64)
    blocks = max(1, min(state["blocks"], -(-n_boards // THREADS)))
    state["kernel"]((blocks,), (THREADS,), (combos, np.int64(n_boards), np.int32(k), deck, known,
                                             np.int32(request.board.size), holes, np.int32(players),
                                             np.int32(request.holes.shape[1]), np.int32(request.game_code),
                                             *state["tables"], counts))
    return counts.get().astype(np.int64).reshape(3, players), n_boards
