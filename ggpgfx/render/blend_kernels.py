"""The compositor's Numba kernels (imported only when Numba is installed; module level so Numba's on-disk
cache can load them instead of compiling: a kernel in a closure is recompiled in every process)."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ggpgfx.jit import numba as load_numba

load_numba()  # Numba's CPU target without SciPy's BLAS probe (ggpgfx.jit), before the kernels below load


@numba.njit(nogil=True, cache=True)
def blend_rows(dst: Any, pm: Any, inv: Any, spans: Any, dy: int, dx: int, sy: int, sx: int, h: int, w: int,
               opacity: int) -> None:  # pragma: no cover - jitted
    """Blend an h x w window of one premultiplied plane into `dst` (uint8) at (dy, dx) from (sy, sx),
    only within each row's span of non-transparent pixels (`spans[row] = start, end` in layer columns)."""
    # a branch-free inner loop on contiguous rows: LLVM vectorises it (many pixels per instruction),
    # which makes it ~2.5x numpy's eight passes over the same pixels
    for i in range(h):
        j0 = max(spans[sy + i, 0], sx) - sx
        j1 = min(spans[sy + i, 1], sx + w) - sx
        if j1 <= j0:
            continue
        d = dst[dy + i, dx + j0:dx + j1]
        p = pm[sy + i, sx + j0:sx + j1]
        a = inv[sy + i, sx + j0:sx + j1]
        n = j1 - j0
        if opacity >= 256:
            for j in range(n):
                t = np.uint32(d[j]) * np.uint32(a[j]) + np.uint32(p[j]) + np.uint32(128)
                d[j] = np.uint8((t + (t >> 8)) >> 8)
        else:
            for j in range(n):
                pp = (np.uint32(p[j]) * np.uint32(opacity)) >> 8
                aa = np.uint32(255) - (((np.uint32(255) - np.uint32(a[j])) * np.uint32(opacity)) >> 8)
                t = np.uint32(d[j]) * aa + pp + np.uint32(128)
                d[j] = np.uint8((t + (t >> 8)) >> 8)


def _layer_signature(frame_c: bool, layer_c: bool) -> str:
    plane = "uint8[:, ::1]" if frame_c else "uint8[:, :]"
    pm, inv = ("uint16[:, ::1]", "uint8[:, ::1]") if layer_c else ("uint16[:, :]", "uint8[:, :]")
    spans = "int64[:, ::1]"
    return (f"void({plane}, {plane}, {plane}, {pm}, {inv}, {pm}, {pm}, {inv}, {spans}, {spans}, "
            + ", ".join(["int64"] * 13) + ")")


# explicit signatures: compiled (or loaded from Numba's cache) at import, never on a frame; the contiguous
# variants vectorise, the strided ones ('A': decoder planes with padded lines, ticker windows) still work.
# The GIL is kept (a layer takes tens of µs): releasing it per layer let the overlay's background drawing
# thread take it, and getting it back costs the frame up to a switch interval (5 ms) each time.
@numba.njit([_layer_signature(f, c) for f in (True, False) for c in (True, False)], cache=True)
def blend_layer(y: Any, u: Any, v: Any, y_pm: Any, y_inv: Any, u_pm: Any, v_pm: Any, c_inv: Any,
                y_spans: Any, c_spans: Any, dy: int, dx: int, sy: int, sx: int, h: int, w: int,
                cdy: int, cdx: int, csy: int, csx: int, ch: int, cw: int,
                opacity: int) -> None:  # pragma: no cover - jitted
    """Blend one layer's three planes (clipped windows computed by the caller) in one call."""
    blend_rows(y, y_pm, y_inv, y_spans, dy, dx, sy, sx, h, w, opacity)
    blend_rows(u, u_pm, c_inv, c_spans, cdy, cdx, csy, csx, ch, cw, opacity)
    blend_rows(v, v_pm, c_inv, c_spans, cdy, cdx, csy, csx, ch, cw, opacity)


def blend_plane_numba(dst: np.ndarray, pm: np.ndarray, inv: np.ndarray, opacity: int = 256) -> None:
    """Blend one whole plane window (same bytes as the numpy reference)."""
    h, w = dst.shape
    spans = np.zeros((h, 2), np.int64)
    spans[:, 1] = w
    blend_rows(dst, pm, inv, spans, 0, 0, 0, 0, h, w, opacity)
