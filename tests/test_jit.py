"""ggpgfx.jit: Numba's CPU target loads without SciPy's BLAS probe, and linear algebra still works after."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("numba")

SCRIPT = """
import sys
import numpy as np
from ggpgfx.render import composite, layers
composite.warm_up()  # the converter and blend kernels, as an overlay loads them
print("linalg_after_kernels", "scipy.linalg" in sys.modules)
import numba
@numba.njit
def dot(a, b):
    return np.dot(a, b)
print("dot", dot(np.arange(3.0), np.arange(3.0)))
print("linalg_after_dot", "scipy.linalg" in sys.modules)
"""


def test_kernels_load_without_scipy_linalg_and_np_dot_still_compiles() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                            check=True)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["linalg_after_kernels"] == "False"
    assert float(lines["dot"]) == 5.0
    try:
        import scipy  # noqa: F401
    except ImportError:
        return
    assert lines["linalg_after_dot"] == "True"  # Numba's BLAS path imported SciPy lazily, as it normally would
