"""Exact equity with torch (CPU here, CUDA when present) against the poker core's Numba engine, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ggpgfx.operators_gpu import equity as gpu_equity
from ggpgfx.operators_gpu.device import cuda_available, devices
from ggpgfx.operators_gpu.equity_cuda import enumerate_host, enumerate_kernel
from ggpgfx.operators_gpu.equity_tables import combination_indices

from ggpgfx.errors import ConfigError
from ggpgfx.poker.equity import backends, exact_equity, prepare

SPOTS = [
    # (hands, board, dead, game)
    (["AhKh", "QsQd"], "Jh7h2c", "", "holdem"),
    (["AhKh", "QsQd", "9c9d"], "Jh7h2c5s", "", "holdem"),
    (["AsAd", "KsKd"], "2c3c4c5c6c", "", "holdem"),  # board plays: a split on every runout
    (["AhKh", "QsQd", "9c9d", "8s7s", "2h2d", "AcTd", "JcTc", "6d5d", "KcQc"], "3s4h8h", "", "holdem"),
    (["AhKh", "QsQd", "Tc9c"], "Jh7h", "", "holdem"),  # two-card board is rejected by prepare
    (["AhKh", "QsQd"], "Jh7h6c", "", "shortdeck"),
    (["AsKs", "9h9d", "TcJc"], "6h7h8c9c", "", "shortdeck"),
    (["AhKhQhJh", "9s8s7d6d"], "Th2h3c", "", "omaha"),
    (["AhAd2c3d", "KsKd7h6h", "9c8c5d4s"], "Tc4h5c2s", "", "omaha"),
    (["AhKhQhJhTd", "9s8s7d6d5c"], "Th2h3c", "", "omaha5"),
    (["AhKhQhJhTd9d", "9s8s7d6d5c4c"], "Th2h3c5d", "", "omaha6"),
    (["AhKh2c3d", "9s8s7d6d"], "Th4h5c", "", "omaha8"),
    (["Ah2h3c4dKs", "9s8s7d6d5c"], "Th4h5h", "", "omaha5_8"),
    (["Ah2h3c4d", "As2s3d5c", "KdKc8h9h"], "6h7c8d", "Jc", "omaha8"),
]


def _spots() -> list[object]:
    return [pytest.param(*spot, id=f"{spot[3]}-{len(spot[0])}p-{len(spot[1]) // 2}b") for spot in SPOTS
            if len(spot[1]) // 2 != 2]


@pytest.mark.parametrize(("hands", "board", "dead", "game"), _spots())
def test_counts_equal_cpu_engine(device: str, hands: list[str], board: str, dead: str, game: str) -> None:
    expected = exact_equity(hands, board, dead, game, backend="numba")
    counts, total = gpu_equity.enumerate_exact(prepare(hands, board, dead, game), device)
    assert total == expected.total
    assert counts.dtype == np.int64
    assert counts.tolist() == [expected.wins, expected.ties, expected.shares]


def test_preflop_with_dead_cards(device: str) -> None:
    """Five cards to come (the preflop path) over a deck thinned by 20 dead cards: C(26, 5) boards."""
    dead = "2c2d2h2s3c3d3h3s4c4d4h4s5c5d5h5s6c6d6h6s"
    expected = exact_equity(["AhAs", "KdKc", "7h8h"], dead=dead, backend="numba")
    counts, total = gpu_equity.enumerate_exact(prepare(["AhAs", "KdKc", "7h8h"], dead=dead), device)
    assert total == math.comb(26, 5) == expected.total
    assert counts.tolist() == [expected.wins, expected.ties, expected.shares]


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="no CUDA device: all 1,712,304 boards take seconds on a CPU")
def test_heads_up_preflop_all_boards() -> None:
    """All C(48, 5) = 1,712,304 boards, the benchmark's spot."""
    expected = exact_equity(["AhAs", "KdKc"], game="holdem", backend="numba")
    counts, total = gpu_equity.enumerate_exact(prepare(["AhAs", "KdKc"]), "cuda")
    assert total == 1_712_304 == expected.total
    assert counts.tolist() == [expected.wins, expected.ties, expected.shares]


def test_registered_backends_give_the_same_result() -> None:
    assert {"torch", "cuda", "cuda-kernel"} <= set(backends())
    cpu = gpu_equity.equity_cpu(["AhKh", "QsQd", "9c9d"], "Jh7h2c")
    for name in ("torch", "cuda"):
        result = exact_equity(["AhKh", "QsQd", "9c9d"], "Jh7h2c", backend=name)
        assert (result.wins, result.ties, result.shares, result.backend) == (cpu.wins, cpu.ties, cpu.shares, name)
    assert gpu_equity.equity_gpu(["AhKh", "QsQd"], "Jh7h2c5s").equity == exact_equity(["AhKh", "QsQd"],
                                                                                     "Jh7h2c5s").equity


def test_unknown_game_code_is_refused() -> None:
    request = prepare(["AhKh", "QsQd"], "Jh7h2c")
    bad = type(request)(request.game, 9, request.holes, request.board, request.deck, request.short_deck)
    with pytest.raises(ConfigError, match="game code 9"):
        gpu_equity.enumerate_exact(bad, "cpu")


@pytest.mark.parametrize(("m", "k"), [(5, 0), (7, 1), (9, 3), (12, 5), (48, 2)])
def test_combination_indices_are_every_subset_in_order(m: int, k: int) -> None:
    import itertools

    rows = combination_indices(m, k)
    assert rows.shape == (math.comb(m, k), k)
    assert [tuple(r) for r in rows.tolist()] == list(itertools.combinations(range(m), k))


def _have_compiler() -> bool:
    import shutil

    return bool(shutil.which("gcc") or shutil.which("cc"))


HOST_SPOTS = [*_spots(),
              pytest.param(["AhAs", "KdKc"], "", "", "holdem", id="holdem-2p-preflop"),
              pytest.param(["AhKh", "QsQd", "9c9d", "8s7s", "2h2d", "AcTd", "JcTc", "6d5d", "KcQc", "3c3d"], "", "",
                           "holdem", id="holdem-10p-preflop")]


@pytest.mark.skipif(not _have_compiler(), reason="no C compiler for the kernel's host build")
@pytest.mark.parametrize(("hands", "board", "dead", "game"), HOST_SPOTS)
def test_kernel_source_on_the_host_equals_cpu_engine(hands: list[str], board: str, dead: str, game: str) -> None:
    """The CUDA kernel's scoring code, compiled for the CPU, against the Numba engine."""
    expected = exact_equity(hands, board, dead, game, backend="numba")
    counts, total = enumerate_host(prepare(hands, board, dead, game))
    assert total == expected.total
    assert counts.tolist() == [expected.wins, expected.ties, expected.shares]


@pytest.mark.gpu
@pytest.mark.skipif(not devices()["cupy"], reason="no CuPy with a CUDA device")
@pytest.mark.parametrize(("hands", "board", "dead", "game"), HOST_SPOTS)
def test_cuda_kernel_equals_cpu_engine(hands: list[str], board: str, dead: str, game: str) -> None:
    expected = exact_equity(hands, board, dead, game, backend="numba")
    counts, total = enumerate_kernel(prepare(hands, board, dead, game))
    assert total == expected.total
    assert counts.tolist() == [expected.wins, expected.ties, expected.shares]
    assert gpu_equity.kernel_usable()
