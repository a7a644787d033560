"""A small numpy RGBA-over-yuv420p blend over a dirty rectangle (the render compositor is the main one).

`YuvaLayer.from_rgba` converts a straight-alpha RGBA image once (BT.709 limited range, chroma and alpha
averaged over 2x2 blocks); `blend_into` then touches only the layer's rectangle of the three planes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ggpgfx.media.frames import VideoFrame

# BT.709 limited range, RGB in 0..255
_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB


@dataclass
class YuvaLayer:
    """A premultiplied YUVA layer at an even (x, y): luma/alpha full size, chroma/alpha halved."""

    x: int
    y: int
    y_pm: np.ndarray
    y_inv: np.ndarray
    u_pm: np.ndarray
    v_pm: np.ndarray
    c_inv: np.ndarray

    @classmethod
    def from_rgba(cls, rgba: np.ndarray, x: int = 0, y: int = 0) -> YuvaLayer:
        """Convert an (h, w, 4) uint8 straight-alpha image; odd sizes and positions are rounded to even."""
        x, y = x & ~1, y & ~1
        h, w = rgba.shape[0] & ~1, rgba.shape[1] & ~1
        img = rgba[:h, :w].astype(np.float32)
        r, g, b, a = img[..., 0], img[..., 1], img[..., 2], img[..., 3] / 255.0
        luma = _KR * r + _KG * g + _KB * b
        yy = 16 + luma * (219 / 255)
        cb = 128 + (b - luma) / (2 * (1 - _KB)) * (224 / 255)
        cr = 128 + (r - luma) / (2 * (1 - _KR)) * (224 / 255)

        def pool(p: np.ndarray) -> np.ndarray:
            return p.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

        ca = pool(a)
        # premultiplied chroma: average of (value * alpha) over the 2x2 block
        return cls(x, y, np.rint(yy * a * 255).astype(np.uint16), np.rint((1 - a) * 255).astype(np.uint8),
                   np.rint(pool(cb * a) * 255).astype(np.uint16), np.rint(pool(cr * a) * 255).astype(np.uint16),
                   np.rint((1 - ca) * 255).astype(np.uint8))

    def blend_into(self, frame: VideoFrame) -> None:
        """Blend into a writable yuv420p frame in place, clipped to the frame."""
        _blend(frame.planes[0], self.y_pm, self.y_inv, self.x, self.y)
        _blend(frame.planes[1], self.u_pm, self.c_inv, self.x // 2, self.y // 2)
        _blend(frame.planes[2], self.v_pm, self.c_inv, self.x // 2, self.y // 2)


def _blend(dst: np.ndarray, pm: np.ndarray, inv: np.ndarray, x: int, y: int) -> None:
    h = min(pm.shape[0], dst.shape[0] - y)
    w = min(pm.shape[1], dst.shape[1] - x)
    if h <= 0 or w <= 0:
        return
    region = dst[y: y + h, x: x + w]
    acc = region.astype(np.uint16)
    acc *= inv[:h, :w]
    acc += pm[:h, :w]
    acc += 128
    acc += acc >> 8
    acc >>= 8
    region[...] = acc
