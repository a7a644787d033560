"""Device parametrisation: every kernel test runs the torch path on the CPU, and on CUDA when present."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ggpgfx.operators_gpu.device import cuda_available

#: "cpu" runs the torch kernels on the CPU; "cuda" runs them on the GPU and is skipped, visibly, without one.
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.gpu,
                                              pytest.mark.skipif(not cuda_available(), reason="no CUDA device")])]


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """The torch device a kernel test runs on."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Run these small tensors on one CPU thread: on a busy shared machine OpenMP workers stall 5-30x."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
