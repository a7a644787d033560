"""Blend cached YUVA layers into a yuv420p frame in place, only over each layer's rectangle.

`composite_layers(frame, layers)` is the reference the GPU twin in `operators_gpu/` mirrors: per plane,
out = (dst * inv + pm + 128 + ((dst * inv + pm + 128) >> 8)) >> 8, i.e. round((dst*(255-a) + v*a) / 255)
with integer math, where pm = v*a was computed once per layer. The numpy version is the default; a Numba
kernel (one pass, skips transparent pixels) gives identical bytes and wins only on sparse layers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ggpgfx.errors import MediaError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.layers import Layer

BlendFn = Callable[[np.ndarray, np.ndarray, np.ndarray, int], None]


def blend_plane_numpy(dst: np.ndarray, pm: np.ndarray, inv: np.ndarray, opacity: int = 256) -> None:
    """Blend one premultiplied plane into `dst` (uint8 view) with uint16 math; numpy reference."""
    if opacity < 256:
        pm = (pm.astype(np.uint32) * opacity >> 8).astype(np.uint16)
        inv = (255 - ((255 - inv.astype(np.uint16)) * opacity >> 8)).astype(np.uint8)
    acc = dst.astype(np.uint16)
    acc *= inv
    acc += pm
    acc += 128
    acc += acc >> 8
    acc >>= 8
    dst[...] = acc


def _build_numba() -> BlendFn | None:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is in the poker extra
        return None

    # one explicit signature with 'A' (any) layout arrays: compiled (or loaded from cache) once, eagerly,
    # instead of once per contiguity combination on the first frames
    @numba.njit("void(uint8[:, :], uint16[:, :], uint8[:, :], int64)", cache=True, nogil=True)
    def blend_plane_numba(dst: Any, pm: Any, inv: Any, opacity: int) -> None:  # pragma: no cover - jitted
        height, width = dst.shape
        for i in range(height):
            for j in range(width):
                ia = np.int32(inv[i, j])
                if ia == 255:
                    continue
                p = np.int32(pm[i, j])
                if opacity < 256:
                    p = (p * opacity) >> 8
                    ia = 255 - (((255 - ia) * opacity) >> 8)
                t = np.int32(dst[i, j]) * ia + p + 128
                dst[i, j] = (t + (t >> 8)) >> 8

    return blend_plane_numba  # type: ignore[no-any-return]


@functools.cache
def numba_blend() -> BlendFn | None:
    """The Numba kernel (compiled or loaded from cache on first call), or None without Numba."""
    return _build_numba()


def warm_up() -> None:
    """Load the Numba RGBA->YUVA converter now (about a second per process), not on the first frame."""
    from ggpgfx.render.layers import warm_up as warm_layers

    warm_layers()


def blend_plane(dst: np.ndarray, pm: np.ndarray, inv: np.ndarray, opacity: int = 256) -> None:
    """Blend one plane. numpy is the default: on real overlay layers (mostly translucent panels, few fully
    transparent pixels to skip) it measured faster than the per-pixel Numba loop (bench_render.py)."""
    blend_plane_numpy(dst, pm, inv, opacity)


def _clip(start: int, size: int, limit: int) -> tuple[int, int, int]:
    """(destination start, source start, length) of a span clipped to [0, limit)."""
    d0, s0 = start, 0
    if d0 < 0:
        s0, d0 = -d0, 0
    length = min(size - s0, limit - d0)
    return d0, s0, max(0, length)


def composite_layers(frame: VideoFrame, layers: Sequence[Layer], blend: BlendFn | None = None) -> None:
    """Blend layers (in order, bottom first) into a yuv420p frame's planes in place; off-frame parts clip."""
    if frame.format != "yuv420p":
        raise MediaError(f"the overlay composites into yuv420p frames, got {frame.format}")
    fn = blend or blend_plane
    y_plane, u_plane, v_plane = frame.planes
    for layer in layers:
        if layer.opacity <= 0:
            continue
        dy, sy, hh = _clip(layer.y, layer.height, frame.height)
        dx, sx, ww = _clip(layer.x, layer.width, frame.width)
        if hh <= 0 or ww <= 0:
            continue
        fn(y_plane[dy:dy + hh, dx:dx + ww], layer.y_pm[sy:sy + hh, sx:sx + ww],
           layer.y_inv[sy:sy + hh, sx:sx + ww], layer.opacity)
        # layer x/y are even, so chroma offsets are exact halves
        cdy, csy, chh = _clip(layer.y // 2, layer.c_inv.shape[0], u_plane.shape[0])
        cdx, csx, cww = _clip(layer.x // 2, layer.c_inv.shape[1], u_plane.shape[1])
        if chh <= 0 or cww <= 0:
            continue
        inv = layer.c_inv[csy:csy + chh, csx:csx + cww]
        fn(u_plane[cdy:cdy + chh, cdx:cdx + cww], layer.u_pm[csy:csy + chh, csx:csx + cww], inv, layer.opacity)
        fn(v_plane[cdy:cdy + chh, cdx:cdx + cww], layer.v_pm[csy:csy + chh, csx:csx + cww], inv, layer.opacity)
