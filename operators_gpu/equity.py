"""Exact equity by enumerating every runout in parallel with torch: CUDA when present, else torch on the CPU.

Registered with the poker core as exact backends "torch" (CUDA if usable, else CPU), "cuda" (the one-kernel
CUDA enumeration of `equity_cuda` once it passes a self-check, else this torch path on CUDA, else the CPU
with one log line) and "cuda-kernel" (the kernel alone). The CPU twin is the poker core's Numba engine
("numba"); all return integer (wins, ties, shares) counts, so results compare bit for bit. Boards are the
k-subsets of the remaining deck taken from one index table per (deck size, k), uploaded once; every board
of a chunk is scored at once as elementwise int32 work plus table gathers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from ggpgfx.operators_gpu.device import cuda_available, devices, resolve_device
from ggpgfx.operators_gpu.equity_tables import (
    FLUSH_BITS,
    NO_LOW,
    ROW_MASK,
    ROW_SHIFT,
    SUIT_START,
    DeviceTables,
    combination_indices,
    device_combinations,
    device_tables,
    triples,
)

from ggpgfx.errors import ConfigError

if TYPE_CHECKING:
    from ggpgfx.poker.equity import EquityRequest, EquityResult

log = logging.getLogger("ggpgfx.operators_gpu")
UNIT = 5040  # the poker core's pot unit (ek.UNIT): every split of a hi-lo pot among <= 10 players is whole
GAME_HOLDEM, GAME_OMAHA, GAME_OMAHA_HILO = 0, 1, 2
#: Elements of the widest intermediate per chunk: big enough to fill a GPU, small enough for a CPU's cache.
CHUNK_ELEMENTS = {"cuda": 1 << 26, "cpu": 1 << 20}


def _take(table: Any, index: Any) -> Any:
    """table[index] through index_select, which takes int32 indices without widening them to int64."""
    import torch

    return torch.index_select(table, 0, index.reshape(-1)).reshape(index.shape)


def _holdem_values(t: DeviceTables, known: Any, drawn: Any, holes: Any, short_deck: bool) -> Any:
    """Best hand value (N, P) of each player's two hole cards plus the known board on each drawn runout."""
    import torch

    # the known board is the same on every runout: fold it into each player's side once
    seen = torch.cat([holes, known.expand(holes.shape[0], -1)], 1)  # (P, 2 + known)
    player_rank = _take(t.rank_key, seen).sum(1, dtype=torch.int32)
    player_suit = _take(t.suit_key, seen).sum(1, dtype=torch.int32) + SUIT_START
    player_packed = _take(t.packed_bit, seen).sum(1)
    # per runout: summed rank keys, suit counters, and every suit's 13-bit rank mask packed 16 bits apart
    rank_sum = _take(t.rank_key, drawn).sum(1, dtype=torch.int32)[:, None] + player_rank  # (N, P)
    flags = ((_take(t.suit_key, drawn).sum(1, dtype=torch.int32)[:, None] + player_suit) >> 3) & 0x1111  # hit 8
    # the flushing suit's index times 16 (at most one suit can reach five of seven cards)
    shift = (((flags >> 4) & 1) + 2 * ((flags >> 8) & 1) + 3 * ((flags >> 12) & 1)) * 16
    flush_mask = ((_take(t.packed_bit, drawn).sum(1)[:, None] + player_packed) >> shift) & 0x1FFF
    rank_values, flush_values = (t.sd_rank_values, t.sd_flush_values) if short_deck else (t.rank_values,
                                                                                          t.flush_values)
    plain = _take(rank_values, (rank_sum & ROW_MASK) + _take(t.row_offsets, rank_sum >> ROW_SHIFT))
    return torch.where(flags != 0, _take(flush_values, flush_mask), plain)


def _omaha_values(t: DeviceTables, known: Any, drawn: Any, holes: Any, with_low: bool) -> tuple[Any, Any]:
    """Best high value (N, P) with exactly two hole and three board cards, and the best low (or None)."""
    import torch

    n_boards = drawn.shape[0]
    device = drawn.device
    board = torch.cat([known.expand(n_boards, -1), drawn], 1) if known.numel() else drawn
    triple_cards = board[:, triples(device)]  # (N, 10, 3)
    pairs = torch.as_tensor(combination_indices(holes.shape[1], 2).astype(np.int64), device=device)
    pair_cards = holes[:, pairs]  # (P, H, 2)

    def sums(table: Any, cards: Any) -> Any:
        return _take(table, cards).sum(-1, dtype=torch.int32)

    def ors(table: Any, cards: Any) -> Any:
        values = _take(table, cards)
        out = values[..., 0]
        for i in range(1, values.shape[-1]):
            out = out | values[..., i]
        return out

    suit_counts = (SUIT_START + sums(t.suit_key, pair_cards)[None, :, :, None]
                   + sums(t.suit_key, triple_cards)[:, None, None, :])  # (N, P, H, 10)
    rank_sum = sums(t.rank_key, pair_cards)[None, :, :, None] + sums(t.rank_key, triple_cards)[:, None, None, :]
    # five cards of one suit: the flush mask is just their five ranks
    flush_mask = ors(t.rank_bit, pair_cards)[None, :, :, None] | ors(t.rank_bit, triple_cards)[:, None, None, :]
    plain = _take(t.rank_values, (rank_sum & ROW_MASK) + _take(t.row_offsets, rank_sum >> ROW_SHIFT))
    high = torch.where((suit_counts & FLUSH_BITS) != 0, _take(t.flush_values, flush_mask), plain).amax((2, 3))
    if not with_low:
        return high, None
    pair_bits = _take(t.low_bit, pair_cards)
    pair_ok = (pair_bits[..., 0] > 0) & (pair_bits[..., 1] > 0) & (pair_bits[..., 0] != pair_bits[..., 1])
    low_mask = (pair_bits[..., 0] | pair_bits[..., 1])[None, :, :, None] | ors(t.low_bit, triple_cards)[:, None,
                                                                                                        None, :]
    qualifies = pair_ok[None, :, :, None] & (_take(t.popcount, low_mask) == 5)
    low = torch.where(qualifies, low_mask, torch.full_like(low_mask, NO_LOW)).amin((2, 3))
    return high, low


def _split_counts(values: Any, lows: Any | None) -> Any:
    """(wins, ties, shares) summed over boards, as int64 (3, P), with the CPU engine's pot split."""
    import torch

    best = values.amax(1, keepdim=True)
    winners = values == best
    count = torch.count_nonzero(winners, dim=1)  # (N,) int64; count_nonzero reads bools without a cast copy
    if lows is None:
        wins = torch.count_nonzero(winners & (count == 1)[:, None], dim=0)
        ties = torch.count_nonzero(winners, dim=0) - wins  # shared high pot: more than one winner
        shares = torch.where(winners, (UNIT // count)[:, None], 0).sum(0)
        return torch.stack([wins, ties, shares])
    best_low = lows.amin(1, keepdim=True)
    has_low = best_low != NO_LOW
    high_pot = torch.where(has_low[:, 0], UNIT // 2, UNIT)
    low_winners = (lows == best_low) & has_low
    low_count = torch.count_nonzero(low_winners, dim=1).clamp(min=1)
    share = (torch.where(winners, (high_pot // count)[:, None], 0)
             + torch.where(low_winners, ((UNIT // 2) // low_count)[:, None], 0))
    wins = torch.count_nonzero(share == UNIT, dim=0)
    ties = torch.count_nonzero((share > 0) & (share < UNIT), dim=0)
    return torch.stack([wins, ties, share.sum(0)])


_run_lock = threading.RLock()


def enumerate_exact(request: EquityRequest, device: str = "auto") -> tuple[np.ndarray, int]:
    """Counts int64 (3, P) of (wins, ties, shares) and the number of boards, over every runout (torch)."""
    with _run_lock:  # one enumeration at a time: each fills the device on its own
        return _enumerate_torch(request, device)


def _enumerate_torch(request: EquityRequest, device: str) -> tuple[np.ndarray, int]:
    import torch

    dev = resolve_device(device)
    game = int(request.game_code)
    if game not in (GAME_HOLDEM, GAME_OMAHA, GAME_OMAHA_HILO):
        raise ConfigError(f"the torch equity backend has no game code {game}")
    t = device_tables(dev)
    # card ints stay int32 on the device: they only index 52-entry tables
    holes = torch.as_tensor(request.holes.astype(np.int32), device=dev)
    known = torch.as_tensor(request.board.astype(np.int32), device=dev)
    deck = torch.as_tensor(request.deck.astype(np.int32), device=dev)
    k = 5 - int(request.board.size)
    combos = device_combinations(int(deck.numel()), k, dev)
    total = int(combos.shape[0])
    players, hole_count = request.holes.shape
    per_board = players if game == GAME_HOLDEM else players * (hole_count * (hole_count - 1) // 2) * 10
    chunk = max(1, CHUNK_ELEMENTS["cuda" if dev.startswith("cuda") else "cpu"] // per_board)
    counts = torch.zeros((3, players), dtype=torch.int64, device=dev)
    with torch.inference_mode():
        for start in range(0, total, chunk):
            drawn = _take(deck, combos[start:start + chunk])
            if game == GAME_HOLDEM:
                counts += _split_counts(_holdem_values(t, known, drawn, holes, bool(request.short_deck)), None)
            else:
                high, low = _omaha_values(t, known, drawn, holes, game == GAME_OMAHA_HILO)
                counts += _split_counts(high, low)
        result = counts.cpu().numpy()
    return result, total


def _board_shares(values: Any, lows: Any | None) -> Any:
    """Each player's pot share per board (N, P) int64 in pot units, with the CPU engine's split."""
    import torch

    best = values.amax(1, keepdim=True)
    winners = values == best
    count = torch.count_nonzero(winners, dim=1)
    if lows is None:
        return torch.where(winners, (UNIT // count)[:, None], 0)
    best_low = lows.amin(1, keepdim=True)
    has_low = best_low != NO_LOW
    high_pot = torch.where(has_low[:, 0], UNIT // 2, UNIT)
    low_winners = (lows == best_low) & has_low
    low_count = torch.count_nonzero(low_winners, dim=1).clamp(min=1)
    return (torch.where(winners, (high_pot // count)[:, None], 0)
            + torch.where(low_winners, ((UNIT // 2) // low_count)[:, None], 0))


def monte_carlo_torch(request: EquityRequest, trials: int, seed: int = 1, device: str = "auto"
                      ) -> tuple[np.ndarray, int]:
    """Counts int64 (4, P): wins, ties, shares and squared shares over `trials` random runouts (torch).

    Each runout is a uniformly random k-subset of the remaining deck (the top k of one random key per card),
    scored by the same evaluator as the exact enumeration. Seeded, but not the Numba engine's random stream:
    the two agree within their standard errors, not bit for bit."""
    import torch

    dev = resolve_device(device)
    game = int(request.game_code)
    if game not in (GAME_HOLDEM, GAME_OMAHA, GAME_OMAHA_HILO):
        raise ConfigError(f"the torch equity backend has no game code {game}")
    if trials < 1:
        raise ConfigError(f"trials must be at least 1, got {trials}")
    t = device_tables(dev)
    holes = torch.as_tensor(request.holes.astype(np.int32), device=dev)
    known = torch.as_tensor(request.board.astype(np.int32), device=dev)
    deck = torch.as_tensor(request.deck.astype(np.int32), device=dev)
    k = 5 - int(request.board.size)
    players, hole_count = request.holes.shape
    per_board = players if game == GAME_HOLDEM else players * (hole_count * (hole_count - 1) // 2) * 10
    chunk = max(1, CHUNK_ELEMENTS["cuda" if dev.startswith("cuda") else "cpu"] // max(per_board, int(deck.numel())))
    generator = torch.Generator(device=dev)
    generator.manual_seed(abs(int(seed)))
    counts = torch.zeros((4, players), dtype=torch.int64, device=dev)
    with _run_lock, torch.inference_mode():
        for start in range(0, trials, chunk):
            n = min(chunk, trials - start)
            if k:
                keys = torch.rand((n, int(deck.numel())), generator=generator, device=dev)
                drawn = _take(deck, keys.topk(k, dim=1).indices.to(torch.int32))
            else:
                drawn = deck[:0].expand(n, 0)
            if game == GAME_HOLDEM:
                shares = _board_shares(_holdem_values(t, known, drawn, holes, bool(request.short_deck)), None)
            else:
                high, low = _omaha_values(t, known, drawn, holes, game == GAME_OMAHA_HILO)
                shares = _board_shares(high, low)
            counts[0] += torch.count_nonzero(shares == UNIT, dim=0)
            counts[1] += torch.count_nonzero((shares > 0) & (shares < UNIT), dim=0)
            counts[2] += shares.sum(0)
            counts[3] += (shares * shares).sum(0)
        result = counts.cpu().numpy()
    return result, trials


def _monte_carlo_backend(request: EquityRequest, trials: int, seed: int) -> tuple[np.ndarray, int]:
    return monte_carlo_torch(request, trials, seed, "cuda")


def _torch_backend(request: EquityRequest) -> tuple[np.ndarray, int]:
    return enumerate_exact(request, "auto")


_kernel_state: list[bool] = []


def kernel_usable() -> bool:
    """True when the one-kernel CUDA enumeration runs here and passes a self-check (decided once)."""
    with _run_lock:
        if not _kernel_state:
            _kernel_state.append(_self_check())
        return _kernel_state[0]


def _self_check() -> bool:
    """Run the CUDA kernel on a small 3-way flop and compare with the torch path; any failure means no."""
    if not devices()["cupy"] or not cuda_available():
        return False
    try:
        from ggpgfx.operators_gpu.equity_cuda import enumerate_kernel

        from ggpgfx.poker.equity import prepare

        request = prepare(["AhKh", "QsQd", "9c8c"], "Jh7h2c")
        got, want = enumerate_kernel(request), _enumerate_torch(request, "cuda")
        if got[1] == want[1] and np.array_equal(got[0], want[0]):
            return True
        log.warning("CUDA equity kernel disagrees with the torch path; using torch")
    except Exception as error:  # noqa: BLE001 - NVRTC, driver or CuPy trouble: torch still works
        log.warning("CUDA equity kernel unavailable (%s); using torch", error)
    return False


def _cuda_backend(request: EquityRequest) -> tuple[np.ndarray, int]:
    if kernel_usable() and request.holes.shape[0] <= 10:
        from ggpgfx.operators_gpu.equity_cuda import enumerate_kernel

        return enumerate_kernel(request)
    return enumerate_exact(request, "cuda")


def _kernel_backend(request: EquityRequest) -> tuple[np.ndarray, int]:
    from ggpgfx.operators_gpu.equity_cuda import enumerate_kernel

    if not devices()["cupy"]:
        raise ConfigError("the cuda-kernel equity backend needs CuPy and a CUDA device")
    return enumerate_kernel(request)


def register() -> None:
    """Register exact backends with the poker core (idempotent): "torch", "cuda" and "cuda-kernel".

    "cuda" takes the one-kernel CUDA enumeration when it passed its self-check, else the torch path on
    CUDA, else (no GPU) torch on the CPU with one log line; "cuda-kernel" is the kernel alone.
    """
    from ggpgfx.poker.equity import register_backend, register_monte_carlo

    register_backend("torch", _torch_backend)
    register_backend("cuda", _cuda_backend)
    register_backend("cuda-kernel", _kernel_backend)
    register_monte_carlo("cuda", _monte_carlo_backend)


def equity_gpu(hands: Sequence[str | Sequence[str]], board: str | Sequence[str] = (),
               dead: str | Sequence[str] = (), game: str = "holdem") -> EquityResult:
    """Exact equity on the GPU (the torch CPU path when there is none)."""
    from ggpgfx.poker.equity import exact_equity

    register()
    return exact_equity(hands, board, dead, game, backend="cuda")


def equity_cpu(hands: Sequence[str | Sequence[str]], board: str | Sequence[str] = (),
               dead: str | Sequence[str] = (), game: str = "holdem") -> EquityResult:
    """Exact equity with the CPU twin: the poker core's Numba engine."""
    from ggpgfx.poker.equity import exact_equity

    return exact_equity(hands, board, dead, game, backend="numba")


try:
    register()
except ImportError:  # the poker core's equity engine is missing: the functions above still work alone
    pass
