"""Monte Carlo equity with torch (the GPU's): unbiased against exact enumeration, seeded, with standard errors."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.operators_gpu.equity import UNIT, monte_carlo_torch

from ggpgfx.errors import ConfigError
from ggpgfx.poker.equity import exact_equity, monte_carlo_equity, prepare

SIX = ["AhAs", "KdKc", "QhQd", "JcTc", "9s8s", "7d6d"]


def test_six_way_monte_carlo_agrees_with_the_exact_answer(device: str) -> None:
    request = prepare(SIX, "2c3d4h")
    counts, total = monte_carlo_torch(request, 10_000, seed=3, device=device)
    assert total == 10_000 and counts.shape == (4, 6)
    assert int(counts[2].sum()) == total * UNIT  # every runout's pot is shared out whole
    exact = exact_equity(SIX, "2c3d4h")
    mean = counts[2] / (total * UNIT)
    spread = np.sqrt(np.maximum(counts[3] / (total * UNIT * UNIT) - mean * mean, 0) / total)
    assert np.all(np.abs(mean - np.array(exact.equity)) < 5 * spread + 1e-9)
    again, _ = monte_carlo_torch(request, 10_000, seed=3, device=device)
    assert np.array_equal(counts, again)  # seeded


def test_a_complete_board_has_one_runout(device: str) -> None:
    counts, total = monte_carlo_torch(prepare(["AhKh", "QsQd"], "2h7h9hTc3s"), 500, device=device)
    exact = exact_equity(["AhKh", "QsQd"], "2h7h9hTc3s")
    assert counts[0].tolist() == [500 * w for w in exact.wins] and total == 500


def test_registered_as_the_cuda_monte_carlo_backend() -> None:
    result = monte_carlo_equity(["AhAs", "KdKc", "QhQd"], trials=5000, backend="cuda")
    assert result.backend == "cuda" and result.method == "monte-carlo" and result.total == 5000
    assert result.std_error is not None and all(0 < e < 0.02 for e in result.std_error)
    with pytest.raises(ConfigError, match="unknown Monte Carlo backend"):
        monte_carlo_equity(["AhAs", "KdKc"], trials=10, backend="nope")
