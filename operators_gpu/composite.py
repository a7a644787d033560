"""Composite premultiplied RGBA layers into yuv420p / NV12 planes over dirty rectangles: torch and numpy.

Layers change only when the table state does, so `prepare_overlay` (off the frame path, numpy) flattens
them with the premultiplied "over" operator into one overlay, converts it once to premultiplied YUVA
(BT.709 limited, the fixed point of `colour`) and lists the dirty rectangles: 32x32 tiles holding any
alpha, merged into runs. Per frame only the blend runs, `out = Yp + round(Y * (255 - A) / 255)`, over
those rectangles alone; the numpy twin slices rectangle by rectangle, the torch kernel blends every
dirty pixel at once through a flat index list uploaded once per device (a fixed, small number of
launches however many rectangles). Both do the same integer arithmetic and agree bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ggpgfx.operators_gpu.colour import SHIFT, U_FROM_RGB, V_FROM_RGB, Y_FROM_RGB

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame

TILE = 32
Y_OFFSET = round(16 * (1 << SHIFT) / 255)  # 16 * alpha / 255 in fixed point: the premultiplied black level
C_OFFSET = round(128 * (1 << SHIFT) / 255)


@dataclass(frozen=True)
class Layer:
    """A premultiplied RGBA image (h, w, 4) uint8 placed with its top-left corner at (x, y)."""

    rgba: np.ndarray
    x: int = 0
    y: int = 0


@dataclass
class Overlay:
    """Layers flattened into premultiplied YUVA at (x, y) of a width x height frame, plus dirty rectangles."""

    width: int
    height: int
    x: int
    y: int
    y_plane: np.ndarray  # premultiplied Y (h, w) uint8
    alpha: np.ndarray  # (h, w) uint8
    u_plane: np.ndarray  # premultiplied U (h/2, w/2)
    v_plane: np.ndarray
    chroma_alpha: np.ndarray  # 2x2 mean alpha (h/2, w/2)
    rects: list[tuple[int, int, int, int]]  # (x0, y0, x1, y1) in overlay coordinates, even corners
    device_cache: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def dirty_pixels(self) -> int:
        """Luma pixels the blend touches per frame."""
        return sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in self.rects)


def div255(x: Any) -> Any:
    """round(x / 255) for 0 <= x <= 65025 with shifts only (numpy arrays and torch tensors alike)."""
    x = x + 128
    return (x + (x >> 8)) >> 8


def _layer_of(item: Any) -> Layer:
    if isinstance(item, Layer):
        return item
    rgba = getattr(item, "rgba", None)
    if rgba is None:
        raise ConfigError(f"a layer needs a premultiplied `rgba` array and x/y, got {type(item).__name__}")
    return Layer(np.asarray(rgba), int(getattr(item, "x", 0)), int(getattr(item, "y", 0)))


def flatten_layers(layers: list[Any], width: int, height: int) -> tuple[int, int, np.ndarray]:
    """Layers (bottom first) over each other, clipped to the frame: (x, y, premultiplied RGBA canvas)."""
    placed = [_layer_of(item) for item in layers]
    boxes = [(max(lay.x, 0), max(lay.y, 0), min(lay.x + lay.rgba.shape[1], width),
              min(lay.y + lay.rgba.shape[0], height)) for lay in placed]
    boxes_in = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
    if not boxes_in:
        return 0, 0, np.zeros((0, 0, 4), dtype=np.uint8)
    # even origin and size keep the overlay's chroma grid on the frame's chroma grid
    x0 = min(b[0] for b in boxes_in) & ~1
    y0 = min(b[1] for b in boxes_in) & ~1
    x1 = max(b[2] for b in boxes_in)
    y1 = max(b[3] for b in boxes_in)
    x1, y1 = x1 + (x1 - x0) % 2, y1 + (y1 - y0) % 2
    canvas = np.zeros((y1 - y0, x1 - x0, 4), dtype=np.int32)
    for lay, (bx0, by0, bx1, by1) in zip(placed, boxes, strict=True):
        if bx1 <= bx0 or by1 <= by0:
            continue
        src = lay.rgba[by0 - lay.y:by1 - lay.y, bx0 - lay.x:bx1 - lay.x].astype(np.int32)
        dst = canvas[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0]
        dst[...] = np.minimum(src + div255(dst * (255 - src[..., 3:4])), 255)
    return x0, y0, canvas.astype(np.uint8)


def _dirty_rects(alpha: np.ndarray, tile: int) -> list[tuple[int, int, int, int]]:
    h, w = alpha.shape
    rows, cols = -(-h // tile), -(-w // tile)
    padded = np.zeros((rows * tile, cols * tile), dtype=bool)
    padded[:h, :w] = alpha > 0
    dirty = np.asarray(padded.reshape(rows, tile, cols, tile).any(axis=(1, 3)))
    rects = []
    for r in range(rows):
        c = 0
        while c < cols:
            if not dirty[r, c]:
                c += 1
                continue
            start = c
            while c < cols and dirty[r, c]:
                c += 1
            rects.append((start * tile, r * tile, min(c * tile, w), min((r + 1) * tile, h)))
    return rects


def prepare_overlay(layers: list[Any], width: int, height: int, tile: int = TILE) -> Overlay:
    """Flatten, convert to premultiplied YUVA and find the dirty rectangles (once per state change)."""
    if tile % 2:
        raise ConfigError(f"tile size must be even, got {tile}")
    x, y, canvas = flatten_layers(layers, width, height)
    c = canvas.astype(np.int32)
    r, g, b, a = c[..., 0], c[..., 1], c[..., 2], c[..., 3]
    half = 1 << (SHIFT - 1)
    luma = (Y_FROM_RGB[0] * r + Y_FROM_RGB[1] * g + Y_FROM_RGB[2] * b + Y_OFFSET * a + half) >> SHIFT
    s = c[0::2, 0::2] + c[1::2, 0::2] + c[0::2, 1::2] + c[1::2, 1::2]
    rs, gs, bs, as_ = s[..., 0], s[..., 1], s[..., 2], s[..., 3]
    u = (U_FROM_RGB[0] * rs + U_FROM_RGB[1] * gs + U_FROM_RGB[2] * bs + C_OFFSET * as_ + 4 * half) >> (SHIFT + 2)
    v = (V_FROM_RGB[0] * rs + V_FROM_RGB[1] * gs + V_FROM_RGB[2] * bs + C_OFFSET * as_ + 4 * half) >> (SHIFT + 2)

    def u8(plane: np.ndarray) -> np.ndarray:
        return np.clip(plane, 0, 255).astype(np.uint8)

    return Overlay(width, height, x, y, u8(luma), canvas[..., 3].copy(), u8(u), u8(v), u8((as_ + 2) >> 2),
                   _dirty_rects(canvas[..., 3], tile))


def _chroma_planes(frame: VideoFrame) -> list[Any]:
    """Views of the frame's U and V planes (NV12's interleaved plane gives strided views)."""
    if frame.format == "yuv420p":
        return [frame.planes[1], frame.planes[2]]
    if frame.format == "nv12":
        return [frame.planes[1][..., 0], frame.planes[1][..., 1]]
    raise ConfigError(f"compositing needs a yuv420p or nv12 frame, got {frame.format}")


def _check(frame: VideoFrame, overlay: Overlay) -> None:
    if (frame.width, frame.height) != (overlay.width, overlay.height):
        raise ConfigError(f"overlay was prepared for {overlay.width}x{overlay.height}, "
                          f"frame is {frame.width}x{frame.height}")


def composite_cpu(frame: VideoFrame, overlay: Overlay) -> VideoFrame:
    """Blend the overlay into the frame's planes in place (numpy twin); returns the frame."""
    _check(frame, overlay)
    frame = frame.writable()
    luma = frame.planes[0]
    chroma = _chroma_planes(frame)
    ox, oy = overlay.x, overlay.y
    for x0, y0, x1, y1 in overlay.rects:
        # odd frame sizes: the overlay's last column/row of luma may hang over the edge
        fx1, fy1 = min(ox + x1, frame.width), min(oy + y1, frame.height)
        region = luma[oy + y0:fy1, ox + x0:fx1]
        keep = 255 - overlay.alpha[y0:y0 + region.shape[0], x0:x0 + region.shape[1]].astype(np.int32)
        pre = overlay.y_plane[y0:y0 + region.shape[0], x0:x0 + region.shape[1]]
        region[...] = np.minimum(pre + div255(region * keep), 255)
        cy0, cy1, cx0, cx1 = y0 // 2, y1 // 2, x0 // 2, x1 // 2
        keep_c = 255 - overlay.chroma_alpha[cy0:cy1, cx0:cx1].astype(np.int32)
        for plane, pre_c in zip(chroma, (overlay.u_plane, overlay.v_plane), strict=True):
            dst = plane[oy // 2 + cy0:oy // 2 + cy1, ox // 2 + cx0:ox // 2 + cx1]
            dst[...] = np.minimum(pre_c[cy0:cy1, cx0:cx1] + div255(dst * keep_c), 255)
    return frame
