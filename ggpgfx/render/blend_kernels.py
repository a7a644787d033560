"""The compositor's Numba kernels: the RGBA->YUVA converter and the blend (imported by `render.kernels` only,
when it is worth it and Numba is installed; module level so Numba's on-disk cache can load them instead of
compiling). Each has a numpy twin in `layers` / `composite` that gives the same bytes."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ggpgfx.jit import numba as load_numba
from ggpgfx.render.layers import KB, KG, KR, LUMA_SCALE, U_SCALE, V_SCALE

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


@numba.njit("void(uint8[:, :, ::1], uint16[:, ::1], uint8[:, ::1], uint16[:, ::1], uint16[:, ::1], uint8[:, ::1])",
            cache=True, nogil=True)
def rgba_to_yuva(pixels: Any, y_pm: Any, y_inv: Any, u_pm: Any, v_pm: Any,
                 c_inv: Any) -> None:  # pragma: no cover - jitted
    """Even-sized straight RGBA to premultiplied YUVA 4:2:0 planes, one pass, transparent pixels skipped.

    The float operations and their order are those of `layers.convert_numpy`, so both give the same bytes.
    """
    height, width = y_pm.shape
    for i in range(0, height, 2):
        for j in range(0, width, 2):
            su = 0.0
            sv = 0.0
            sa = 0.0
            for di in range(2):
                for dj in range(2):
                    a = pixels[i + di, j + dj, 3]
                    y_inv[i + di, j + dj] = 255 - a
                    if a == 0:
                        y_pm[i + di, j + dj] = 0
                        continue
                    r = np.float64(pixels[i + di, j + dj, 0])
                    g = np.float64(pixels[i + di, j + dj, 1])
                    b = np.float64(pixels[i + di, j + dj, 2])
                    luma = KR * r + KG * g + KB * b
                    y_pm[i + di, j + dj] = np.uint16((16.0 + luma * LUMA_SCALE) * a + 0.5)
                    su += (128.0 + (b - luma) * U_SCALE) * a
                    sv += (128.0 + (r - luma) * V_SCALE) * a
                    sa += a
            u_pm[i // 2, j // 2] = np.uint16(su * 0.25 + 0.5)
            v_pm[i // 2, j // 2] = np.uint16(sv * 0.25 + 0.5)
            c_inv[i // 2, j // 2] = np.uint8(255.5 - sa * 0.25)
