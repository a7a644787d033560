"""Composite premultiplied YUVA layers into yuv420p / NV12 planes: the overlay's dirty pixels, device-ready.

Layers are the render stage's (`ggpgfx.render.layers.Layer`: value*alpha and 255-alpha planes at an even
x, y, with an opacity). `prepare_overlay` runs once per layer set, off the frame path: it clips each
layer to the frame, keeps only its dirty pixels (alpha > 0 after opacity) and stacks the layers that
cover each pixel in order, depth 0 at the bottom, padding shallower pixels with the identity
(value*alpha 0, 255-alpha 255). Per frame each plane then needs one gather-blend-scatter over those
pixels, whatever the number of layers, with the render compositor's integer blend
`t = dst*(255-a) + value*a + 128; dst = (t + (t >> 8)) >> 8`. So the result equals
`ggpgfx.render.composite.composite_layers` bit for bit (tests hold both to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ggpgfx.operators_gpu.colour import SHIFT, U_FROM_RGB, V_FROM_RGB, Y_FROM_RGB

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.layers import Layer

FORMATS = ("yuv420p", "nv12")


@dataclass
class PlaneStack:
    """One plane's dirty pixels: flat indices (N,), value*alpha and 255-alpha per depth (D, N), int32."""

    index: np.ndarray
    pm: np.ndarray
    inv: np.ndarray


@dataclass
class Overlay:
    """A layer set prepared for width x height frames: luma and chroma plane stacks."""

    width: int
    height: int
    luma: PlaneStack
    chroma: tuple[PlaneStack, PlaneStack]  # U then V (same indices)
    layer_count: int
    device_cache: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def dirty_pixels(self) -> int:
        """Luma pixels the blend touches per frame."""
        return int(self.luma.index.size)

    @property
    def depth(self) -> int:
        """Most layers stacked on one luma pixel."""
        return int(self.luma.pm.shape[0])


def premultiplied_layer(rgba: np.ndarray, x: int = 0, y: int = 0) -> Layer:
    """A render Layer from premultiplied RGBA (h, w, 4) uint8 in 14-bit fixed point; odd x/y pad a margin."""
    pad_x, pad_y = x & 1, y & 1
    h, w = rgba.shape[0] + pad_y, rgba.shape[1] + pad_x
    canvas = np.zeros((h + (h & 1), w + (w & 1), 4), dtype=np.int64)
    canvas[pad_y:h, pad_x:w] = rgba
    r, g, b, a = canvas[..., 0], canvas[..., 1], canvas[..., 2], canvas[..., 3]
    # value*alpha with RGB premultiplied: Y*a = 16a + (219/255)K.RGB*a = 16a + (219/255)K.RGBp*255
    y_pm = (255 * (Y_FROM_RGB[0] * r + Y_FROM_RGB[1] * g + Y_FROM_RGB[2] * b) + (16 * a << SHIFT)
            + (1 << (SHIFT - 1))) >> SHIFT
    s = canvas[0::2, 0::2] + canvas[1::2, 0::2] + canvas[0::2, 1::2] + canvas[1::2, 1::2]
    rs, gs, bs, as_ = s[..., 0], s[..., 1], s[..., 2], s[..., 3]

    def chroma(coef: tuple[int, int, int]) -> np.ndarray:
        total = 255 * (coef[0] * rs + coef[1] * gs + coef[2] * bs) + (128 * as_ << SHIFT) + (1 << (SHIFT + 1))
        return np.clip(total >> (SHIFT + 2), 0, 65025).astype(np.uint16)

    c_inv = (255 - ((as_ + 2) >> 2)).astype(np.uint8)
    return Layer(x - pad_x, y - pad_y, np.clip(y_pm, 0, 65025).astype(np.uint16), (255 - a).astype(np.uint8),
                 chroma(U_FROM_RGB), chroma(V_FROM_RGB), c_inv)


def _effective(pm: np.ndarray, inv: np.ndarray, opacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Opacity folded into the planes exactly as the render compositor does it."""
    if opacity >= 256:
        return pm.astype(np.int32), inv.astype(np.int32)
    pm_o = (pm.astype(np.uint32) * opacity >> 8).astype(np.uint16)
    inv_o = (255 - ((255 - inv.astype(np.uint16)) * opacity >> 8)).astype(np.uint8)
    return pm_o.astype(np.int32), inv_o.astype(np.int32)


def _clip(start: int, size: int, limit: int) -> tuple[int, int, int]:
    d0, s0 = start, 0
    if d0 < 0:
        s0, d0 = -d0, 0
    return d0, s0, max(0, min(size - s0, limit - d0))


def _stack(parts: list[tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]], planes: int) -> list[PlaneStack]:
    """Per-layer (flat index, pm per plane, inv) lists, bottom first, stacked by depth per pixel."""
    if not parts:
        empty = np.zeros(0, np.int32)
        return [PlaneStack(empty, np.zeros((1, 0), np.int32), np.full((1, 0), 255, np.int32))] * planes
    flat = np.concatenate([p[0] for p in parts])
    pixels, ids = np.unique(flat, return_inverse=True)
    order = np.argsort(ids, kind="stable")  # stable: layer order survives inside each pixel's group
    sorted_ids = ids[order]
    first = np.searchsorted(sorted_ids, sorted_ids, side="left")
    depth = np.empty_like(ids)
    depth[order] = np.arange(ids.size) - first
    levels = int(depth.max()) + 1
    inv = np.full((levels, pixels.size), 255, np.int32)
    inv[depth, ids] = np.concatenate([p[2][0] for p in parts])
    stacks = []
    for plane in range(planes):
        pm = np.zeros((levels, pixels.size), np.int32)
        pm[depth, ids] = np.concatenate([p[1][plane] for p in parts])
        stacks.append(PlaneStack(pixels.astype(np.int32), pm, inv))
    return stacks


def prepare_overlay(layers: Sequence[Layer], width: int, height: int) -> Overlay:
    """Clip, keep the dirty pixels and stack the layers (bottom first) for width x height frames."""
    cw, ch = (width + 1) // 2, (height + 1) // 2
    luma_parts: list[tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]] = []
    chroma_parts: list[tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]] = []
    for layer in layers:
        if not isinstance(layer, Layer):
            raise ConfigError(f"overlay layers must be ggpgfx.render.layers.Layer, got {type(layer).__name__}; "
                              "premultiplied_layer() converts premultiplied RGBA")
        if layer.opacity <= 0:
            continue
        dy, sy, hh = _clip(layer.y, layer.height, height)
        dx, sx, ww = _clip(layer.x, layer.width, width)
        if hh > 0 and ww > 0:
            raw_inv = layer.y_inv[sy:sy + hh, sx:sx + ww]
            pm, inv = _effective(layer.y_pm[sy:sy + hh, sx:sx + ww], raw_inv, layer.opacity)
            # dirty = alpha > 0 before opacity: a faded pixel can keep 255-alpha at 255 yet add value
            rows, cols = np.nonzero(raw_inv < 255)
            luma_parts.append(((rows + dy) * width + cols + dx, [pm[rows, cols]], [inv[rows, cols]]))
        cdy, csy, chh = _clip(layer.y // 2, layer.c_inv.shape[0], ch)
        cdx, csx, cww = _clip(layer.x // 2, layer.c_inv.shape[1], cw)
        if chh > 0 and cww > 0:
            window = (slice(csy, csy + chh), slice(csx, csx + cww))
            u_pm, c_inv = _effective(layer.u_pm[window], layer.c_inv[window], layer.opacity)
            v_pm, _ = _effective(layer.v_pm[window], layer.c_inv[window], layer.opacity)
            rows, cols = np.nonzero(layer.c_inv[window] < 255)
            chroma_parts.append(((rows + cdy) * cw + cols + cdx, [u_pm[rows, cols], v_pm[rows, cols]],
                                 [c_inv[rows, cols]]))
    luma = _stack(luma_parts, 1)[0]
    u_stack, v_stack = _stack(chroma_parts, 2)
    return Overlay(width, height, luma, (u_stack, v_stack), len(layers))


def check_frame(frame: VideoFrame, overlay: Overlay) -> None:
    """Raise ConfigError unless the frame's size and format fit the overlay."""
    if frame.format not in FORMATS:
        raise ConfigError(f"compositing needs a yuv420p or nv12 frame, got {frame.format}")
    if (frame.width, frame.height) != (overlay.width, overlay.height):
        raise ConfigError(f"overlay was prepared for {overlay.width}x{overlay.height}, "
                          f"frame is {frame.width}x{frame.height}")


def blend_stack(values: Any, pm: Any, inv: Any) -> Any:
    """Blend gathered int32 pixel values through every depth (numpy arrays or torch tensors alike)."""
    for level in range(pm.shape[0]):
        t = values * inv[level] + pm[level] + 128
        values = (t + (t >> 8)) >> 8
    return values


def composite_cpu(frame: VideoFrame, overlay: Overlay) -> VideoFrame:
    """Blend the overlay into the frame's planes in place (numpy twin); returns the (writable) frame."""
    check_frame(frame, overlay)
    frame = frame.writable()
    if not all(p.flags.c_contiguous for p in frame.planes):
        frame = frame.copy()  # flat views below must alias the planes
    targets: list[tuple[np.ndarray, PlaneStack, int, int]] = [(frame.planes[0].reshape(-1), overlay.luma, 1, 0)]
    if frame.format == "yuv420p":
        targets += [(frame.planes[1].reshape(-1), overlay.chroma[0], 1, 0),
                    (frame.planes[2].reshape(-1), overlay.chroma[1], 1, 0)]
    else:  # NV12: U and V interleave in one plane
        uv = frame.planes[1].reshape(-1)
        targets += [(uv, overlay.chroma[0], 2, 0), (uv, overlay.chroma[1], 2, 1)]
    for flat, stack, step, offset in targets:
        index = stack.index.astype(np.int64) * step + offset
        flat[index] = blend_stack(flat[index].astype(np.int32), stack.pm, stack.inv).astype(np.uint8)
    return frame
