"""Small-image RGB(A) → yuv420p conversion and alpha blits into yuv420p planes (BT.709, limited range).

Only small, cached layers (cards, labels) are converted; whole frames never leave YUV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# BT.709 limited-range matrix (the same convention as ingest.test_pattern's bars).
_M = np.array([[0.1826, 0.6142, 0.0620], [-0.1006, -0.3386, 0.4392], [0.4392, -0.3989, -0.0403]], np.float32)
_OFFSET = np.array([16.0, 128.0, 128.0], np.float32)


def rgb_to_yuv_pixels(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB → (..., 3) float32 Y, U, V."""
    return rgb.astype(np.float32) @ _M.T + _OFFSET


def yuv_colour(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """One RGB colour as limited-range (Y, U, V)."""
    y, u, v = rgb_to_yuv_pixels(np.array(rgb, np.uint8)).round().astype(int).tolist()
    return int(y), int(u), int(v)


@dataclass
class YuvaPatch:
    """A premultiplied yuv420p layer: planes scaled by alpha, and alpha at full and half resolution (0..256)."""

    y: np.ndarray  # uint16, Y * a
    u: np.ndarray
    v: np.ndarray
    alpha: np.ndarray  # uint16 0..256, full size
    alpha_half: np.ndarray  # uint16 0..256, half size
    width: int
    height: int


def to_yuva(image: Image.Image | np.ndarray) -> YuvaPatch:
    """Convert an RGBA (or RGB) image with even size to a premultiplied yuv420p patch."""
    arr = np.asarray(image.convert("RGBA") if isinstance(image, Image.Image) else image)
    if arr.shape[2] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, np.uint8)], axis=2)
    h, w = arr.shape[0] & ~1, arr.shape[1] & ~1
    arr = arr[:h, :w]
    yuv = rgb_to_yuv_pixels(arr[..., :3])
    a = arr[..., 3].astype(np.float32) / 255.0
    half = lambda p: p.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))  # noqa: E731
    a_half = half(a)
    # chroma is averaged as premultiplied values so card edges do not fringe
    u = half(yuv[..., 1] * a)
    v = half(yuv[..., 2] * a)
    return YuvaPatch(
        y=np.round(yuv[..., 0] * a).astype(np.uint16),
        u=np.round(u).astype(np.uint16), v=np.round(v).astype(np.uint16),
        alpha=np.round(a * 256).astype(np.uint16), alpha_half=np.round(a_half * 256).astype(np.uint16),
        width=w, height=h)


def blit(planes: list[np.ndarray], patch: YuvaPatch, x: int, y: int) -> None:
    """Alpha-blend a patch into yuv420p planes at (x, y) (rounded down to even), clipped to the frame."""
    x, y = x & ~1, y & ~1
    fh, fw = planes[0].shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + patch.width, fw), min(y + patch.height, fh)
    if x1 <= x0 or y1 <= y0:
        return
    px0, py0 = x0 - x, y0 - y
    sl = (slice(py0, py0 + y1 - y0), slice(px0, px0 + x1 - x0))
    dst = planes[0][y0:y1, x0:x1]
    a = patch.alpha[sl]
    dst[...] = ((dst * (256 - a) >> 8) + patch.y[sl]).clip(0, 255)
    cs = (slice(py0 // 2, (py0 + y1 - y0) // 2), slice(px0 // 2, (px0 + x1 - x0) // 2))
    ah = patch.alpha_half[cs]
    for plane, values in ((planes[1], patch.u), (planes[2], patch.v)):
        d = plane[y0 // 2:y1 // 2, x0 // 2:x1 // 2]
        d[...] = ((d * (256 - ah) >> 8) + values[cs]).clip(0, 255)


def fill_rect(planes: list[np.ndarray], x: int, y: int, w: int, h: int, colour: tuple[int, int, int]) -> None:
    """Fill a rectangle of yuv420p planes with one limited-range (Y, U, V) colour."""
    x, y = x & ~1, y & ~1
    planes[0][y:y + h, x:x + w] = colour[0]
    planes[1][y // 2:(y + h) // 2, x // 2:(x + w) // 2] = colour[1]
    planes[2][y // 2:(y + h) // 2, x // 2:(x + w) // 2] = colour[2]


def rgb_image_to_planes(image: Image.Image) -> list[np.ndarray]:
    """Convert a whole RGB image to yuv420p planes (done once for a static scene, never per frame)."""
    arr = np.asarray(image.convert("RGB"))
    h, w = arr.shape[0] & ~1, arr.shape[1] & ~1
    yuv = rgb_to_yuv_pixels(arr[:h, :w])
    y = np.clip(np.round(yuv[..., 0]), 0, 255).astype(np.uint8)
    u = np.clip(np.round(yuv[..., 1].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))), 0, 255).astype(np.uint8)
    v = np.clip(np.round(yuv[..., 2].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))), 0, 255).astype(np.uint8)
    return [y, u, v]
