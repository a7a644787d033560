"""Layers: overlay elements converted once from straight RGBA to premultiplied YUVA planes (BT.709)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from ggpgfx.render import kernels

# BT.709 luma weights; limited range (Y 16..235, chroma 16..240), as the encoders expect.
KR, KB = 0.2126, 0.0722
KG = 1.0 - KR - KB
#: limited-range scales: luma 219/255; chroma 224/255 over the B-Y and R-Y spans
LUMA_SCALE = 219.0 / 255.0
U_SCALE = (224.0 / 255.0) / (2 * (1 - KB))
V_SCALE = (224.0 / 255.0) / (2 * (1 - KR))


@dataclass(eq=False)
class Layer:
    """A cached element in YUVA 4:2:0, premultiplied, placed at an even (x, y) in the frame.

    `y_pm`/`u_pm`/`v_pm` hold value*alpha (0..65025, uint16); `y_inv`/`c_inv` hold 255-alpha
    (uint8; chroma alpha is the 2x2 average). `opacity` (0..256) scales the whole layer for fades.
    """

    x: int
    y: int
    y_pm: np.ndarray
    y_inv: np.ndarray
    u_pm: np.ndarray
    v_pm: np.ndarray
    c_inv: np.ndarray
    opacity: int = 256
    #: per row, the [start, end) columns holding any non-transparent pixel, luma then chroma rows (int64,
    #: shape (rows, 2)); the blend skips the rest. Computed on first use and kept by `placed` and `window`.
    _spans: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    #: the (even-padded) straight RGBA pixels it was converted from, when kept: the next drawing of the same
    #: element converts only the blocks that differ from them (`layer_from_rgba(..., previous=)`)
    source: np.ndarray | None = field(default=None, repr=False)

    def spans(self) -> tuple[np.ndarray, np.ndarray]:
        """(luma spans, chroma spans): where each row has anything to blend (fully transparent pixels are
        exact no-ops of the blend, so skipping them changes no byte)."""
        if self._spans is None:
            self._spans = (_row_spans(self.y_inv), _row_spans(self.c_inv))
        return self._spans

    @property
    def width(self) -> int:
        """Width in luma pixels."""
        return int(self.y_pm.shape[1])

    @property
    def height(self) -> int:
        """Height in luma pixels."""
        return int(self.y_pm.shape[0])

    def placed(self, x: int, y: int, opacity: int = 256) -> Layer:
        """The same planes at another (even-rounded) position and opacity; no pixel copy."""
        self.spans()  # found once here and kept by every placing: an element sliding in is placed anew each frame
        return replace(self, x=int(x) & ~1, y=int(y) & ~1, opacity=max(0, min(256, int(opacity))))

    def window(self, column: int, width: int, x: int, y: int) -> Layer:
        """A horizontal window of this layer (views, no copy), for the scrolling ticker."""
        c0 = column & ~1
        w = width & ~1
        luma, chroma = self.spans()
        spans = (np.clip(luma - c0, 0, w), np.clip(chroma - c0 // 2, 0, w // 2))
        return Layer(x & ~1, y & ~1, self.y_pm[:, c0:c0 + w], self.y_inv[:, c0:c0 + w],
                     self.u_pm[:, c0 // 2:(c0 + w) // 2], self.v_pm[:, c0 // 2:(c0 + w) // 2],
                     self.c_inv[:, c0 // 2:(c0 + w) // 2], self.opacity, spans)

    def rgba(self) -> np.ndarray:
        """Back to straight RGBA (h, w, 4) uint8, for tests and previews (not the frame path)."""
        alpha = 255 - self.y_inv.astype(np.float32)
        safe = np.maximum(alpha, 1)
        luma = self.y_pm / safe
        cu = np.repeat(np.repeat(self.u_pm / np.maximum(255 - self.c_inv.astype(np.float32), 1), 2, 0), 2, 1)
        cv = np.repeat(np.repeat(self.v_pm / np.maximum(255 - self.c_inv.astype(np.float32), 1), 2, 0), 2, 1)
        rgb = yuv_to_rgb(luma, cu[: self.height, : self.width], cv[: self.height, : self.width])
        out = np.concatenate([rgb, alpha[..., None]], axis=-1)
        return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _row_spans(inv: np.ndarray) -> np.ndarray:
    """[start, end) of the non-transparent pixels (inv != 255) of each row; (0, 0) for an empty row."""
    visible = inv != 255
    width = visible.shape[1]
    start = visible.argmax(axis=1)
    end = width - visible[:, ::-1].argmax(axis=1)
    empty = ~visible.any(axis=1)
    start[empty] = 0
    end[empty] = 0
    return np.ascontiguousarray(np.stack([start, end], axis=1), dtype=np.int64)


def rgb_to_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float RGB (0..255, last axis) to limited-range BT.709 Y, U, V floats."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = KR * r + KG * g + KB * b
    y = 16.0 + luma * (219.0 / 255.0)
    u = 128.0 + (b - luma) * (224.0 / 255.0) / (2 * (1 - KB))
    v = 128.0 + (r - luma) * (224.0 / 255.0) / (2 * (1 - KR))
    return y, u, v


def yuv_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Limited-range BT.709 Y, U, V floats to RGB floats (0..255, unclipped)."""
    luma = (y - 16.0) * (255.0 / 219.0)
    pb = (u - 128.0) * (255.0 / 224.0) * 2 * (1 - KB)
    pr = (v - 128.0) * (255.0 / 224.0) * 2 * (1 - KR)
    r = luma + pr
    b = luma + pb
    g = (luma - KR * r - KB * b) / KG
    return np.stack([r, g, b], axis=-1)


def _converter() -> Callable[..., None] | None:
    """The Numba RGBA->YUVA converter when `render.kernels` has loaded it, else None (the numpy twin)."""
    module = kernels.loaded()
    return module.rgba_to_yuva if module is not None else None  # type: ignore[no-any-return]


def warm_up() -> None:
    """Load the Numba converter (and blend) now, from Numba's on-disk cache."""
    kernels.load()


Planes = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def layer_from_rgba(image: Image.Image | np.ndarray, x: int = 0, y: int = 0, use_numba: bool = True,
                    previous: Layer | None = None, keep_source: bool = False,
                    region: tuple[int, int, int, int] | None = None) -> Layer:
    """Convert a straight-alpha RGBA image to a Layer (padded to even size) at (x, y): with Numba's converter
    when `render.kernels` has loaded it and `use_numba`, else the numpy twin (the same bytes).

    With `previous` (the layer of the same element's last drawing, converted with `keep_source`, same size),
    only the rectangle of 2x2 blocks whose pixels changed is converted and the rest of the planes is copied
    from it: every output block depends on its own four pixels only, so the bytes are those of a full
    conversion. `keep_source` keeps the pixels on the layer for that next conversion. With `region` as
    well (x0, y0, x1, y1: the box outside which `image` equals what `previous` was converted from, known
    by the caller), only that box is read and converted.
    """
    if region is not None and previous is not None and isinstance(image, Image.Image):
        size = (image.height + (image.height & 1), image.width + (image.width & 1))
        if previous.y_pm.shape == size:
            return _convert_region(image, previous, region, _converter() if use_numba else None, x, y)
    if isinstance(image, Image.Image):
        pixels = np.asarray(image if image.mode == "RGBA" else image.convert("RGBA"), dtype=np.uint8)
    else:
        pixels = np.asarray(image, dtype=np.uint8)
    h, w = pixels.shape[:2]
    ph, pw = h + (h & 1), w + (w & 1)
    if (ph, pw) != (h, w):
        padded = np.zeros((ph, pw, 4), np.uint8)
        padded[:h, :w] = pixels
        pixels = padded
    converter = _converter() if use_numba else None
    before = previous.source if previous is not None else None
    if before is not None and before.shape == pixels.shape:
        planes = _convert_changed(pixels, before, previous, converter)  # type: ignore[arg-type]
    else:
        planes = _convert(pixels, converter)
    return Layer(int(x) & ~1, int(y) & ~1, *planes, source=pixels if keep_source else None)


def _convert_region(image: Image.Image, previous: Layer, region: tuple[int, int, int, int],
                    converter: Callable[..., None] | None, x: int, y: int) -> Layer:
    """The layer of `image`, equal to what `previous` was converted from outside `region`."""
    planes = [np.array(plane) for plane in (previous.y_pm, previous.y_inv, previous.u_pm, previous.v_pm,
                                             previous.c_inv)]
    height, width = planes[0].shape
    x0, y0 = max(0, region[0]) & ~1, max(0, region[1]) & ~1
    x1, y1 = min(width, (region[2] + 1) & ~1), min(height, (region[3] + 1) & ~1)
    if x1 > x0 and y1 > y0:
        # a crop past the image's edge reads zeros: the padding a full conversion adds to odd sizes
        part = _convert(np.array(image.crop((x0, y0, x1, y1)).convert("RGBA"), np.uint8), converter)
        planes[0][y0:y1, x0:x1] = part[0]
        planes[1][y0:y1, x0:x1] = part[1]
        for index in (2, 3, 4):
            planes[index][y0 // 2:y1 // 2, x0 // 2:x1 // 2] = part[index]
    y_pm, y_inv, u_pm, v_pm, c_inv = planes
    return Layer(int(x) & ~1, int(y) & ~1, y_pm, y_inv, u_pm, v_pm, c_inv)


def _convert_changed(pixels: np.ndarray, before: np.ndarray, previous: Layer,
                     converter: Callable[..., None] | None) -> Planes:
    """The planes of `pixels` given those of `before` (same shape): converts only the changed blocks."""
    # one uint32 per RGBA pixel: comparing and reducing (h, w, 4) bytes along the last axis is ~100x slower
    changed = (np.ascontiguousarray(pixels).view(np.uint32)[..., 0]
               != np.ascontiguousarray(before).view(np.uint32)[..., 0])
    rows = np.flatnonzero(changed.any(axis=1))
    planes = tuple(np.array(plane) for plane in (previous.y_pm, previous.y_inv, previous.u_pm, previous.v_pm,
                                                  previous.c_inv))
    if rows.size == 0:
        return planes  # type: ignore[return-value]
    cols = np.flatnonzero(changed[rows[0]:rows[-1] + 1].any(axis=0))
    r0, r1 = int(rows[0]) & ~1, (int(rows[-1]) + 2) & ~1
    c0, c1 = int(cols[0]) & ~1, (int(cols[-1]) + 2) & ~1
    part = _convert(np.ascontiguousarray(pixels[r0:r1, c0:c1]), converter)
    planes[0][r0:r1, c0:c1] = part[0]
    planes[1][r0:r1, c0:c1] = part[1]
    for index in (2, 3, 4):
        planes[index][r0 // 2:r1 // 2, c0 // 2:c1 // 2] = part[index]
    return planes  # type: ignore[return-value]


def _convert(pixels: np.ndarray, converter: Callable[..., None] | None) -> Planes:
    """YUVA planes of even-sized straight RGBA pixels: the Numba converter when given, else numpy."""
    ph, pw = pixels.shape[:2]
    if converter is not None:
        # one pass per pixel, skipping transparent ones: ~5x the numpy version on overlay elements
        planes = (np.empty((ph, pw), np.uint16), np.empty((ph, pw), np.uint8), np.empty((ph // 2, pw // 2), np.uint16),
                  np.empty((ph // 2, pw // 2), np.uint16), np.empty((ph // 2, pw // 2), np.uint8))
        source = pixels if pixels.flags.writeable and pixels.flags.c_contiguous else np.array(pixels, order="C")
        converter(source, *planes)
        return planes
    return convert_numpy(pixels)


def convert_numpy(pixels: np.ndarray) -> Planes:
    """The numpy twin of the Numba converter: the same float64 operations in the same order, so the same
    bytes (a float32 version was ~4x faster but differed by up to 1 per plane value, which would make a
    frame change when Numba's kernels come in mid-run)."""
    alpha = pixels[..., 3].astype(np.float64)
    r, g, b = (pixels[..., index].astype(np.float64) for index in range(3))
    luma = KR * r + KG * g + KB * b
    y_pm = ((16.0 + luma * LUMA_SCALE) * alpha + 0.5).astype(np.uint16)
    y_inv = 255 - pixels[..., 3]

    def pool(values: np.ndarray) -> np.ndarray:
        # the converter's summing order within each 2x2 block: (0,0), (0,1), (1,0), (1,1); a transparent
        # pixel adds 0.0 here where the converter skips it, which leaves every sum the same
        return values[0::2, 0::2] + values[0::2, 1::2] + values[1::2, 0::2] + values[1::2, 1::2]

    u_pm = (pool((128.0 + (b - luma) * U_SCALE) * alpha) * 0.25 + 0.5).astype(np.uint16)
    v_pm = (pool((128.0 + (r - luma) * V_SCALE) * alpha) * 0.25 + 0.5).astype(np.uint16)
    c_inv = (255.5 - pool(alpha) * 0.25).astype(np.uint8)
    return y_pm, y_inv, u_pm, v_pm, c_inv
