"""Import Numba for our kernels without paying for SciPy's linear algebra at start-up.

When Numba's CPU target first loads (the first kernel compiled or read from the on-disk cache), its
`numba.np.arraymath` module probes for BLAS by importing `scipy.linalg.cython_blas`: about 0.17 CPU-s of a
media graph's start-up, for linear algebra none of our kernels use. `numba()` imports that module once with
the probe refused, then restores Numba's flag, so `np.dot` and friends in a jitted function still work: Numba
imports SciPy's BLAS lazily when such a function is compiled. Only this probe is skipped; SciPy itself and
every later import of it are untouched.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

_BLAS_PROBES = ("scipy.linalg",)
_lock = threading.Lock()


class _RefuseBlasProbe(importlib.abc.MetaPathFinder):
    """A finder that makes `scipy.linalg...` look absent while Numba's arraymath module is imported."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if any(fullname == probe or fullname.startswith(probe + ".") for probe in _BLAS_PROBES):
            raise ImportError(f"{fullname} skipped while Numba loads (ggpgfx.jit)")
        return None


@functools.cache
def numba() -> ModuleType:
    """The `numba` module with its CPU target's array functions loaded without the SciPy BLAS probe.

    Raises ImportError when Numba is not installed (callers fall back to numpy).
    """
    import numba as nb

    with _lock:
        if "numba.np.arraymath" not in sys.modules and "scipy.linalg" not in sys.modules:
            finder = _RefuseBlasProbe()
            sys.meta_path.insert(0, finder)
            try:
                import numba.np.arraymath as arraymath
            finally:
                sys.meta_path.remove(finder)
            # the flag only picks np.dot over a plain loop inside a few array functions, checked when they
            # compile; with SciPy installed, Numba's BLAS path imports scipy.linalg then, as it would have
            arraymath._HAVE_BLAS = importlib.util.find_spec("scipy") is not None
    return nb
