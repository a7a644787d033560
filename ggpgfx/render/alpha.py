"""The graphics layer alone: fill + key for vision mixers, and YUVA / RGBA frames for alpha files.

The program output blends each frame's cached YUVA layers into the camera picture (`composite_layers`).
This module blends the same layers, with the same integer kernel, into two empty canvases instead:

* the **fill**: the layers over black (Y 16, U/V 128), i.e. premultiplied by alpha against black. A mixer
  keys it with `out = fill + (1 - key) * (camera - black)`, which is the program's own blend
  `camera * (1 - a) + graphics * a` rearranged, so keying the fill over the camera gives the program back
  (to rounding; see docs/studio.md for the tolerance).
* the **alpha**: a white layer of each layer's shape over nothing (0..255, full range, luma resolution).
  The **key** is that alpha as limited-range luma (16 + a * 219 / 255, chroma neutral), as SDI key signals
  carry it.

*Straight* (unassociated) colour, which ProRes 4444 and VP9-alpha files and PNGs expect, divides the
fill's excess over black by alpha where alpha is not zero. Only the union rectangle of the frame's layers
is computed; the rest of every canvas is constant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import blend_plane
from ggpgfx.render.layers import Layer

AlphaMode = Literal["premultiplied", "straight"]
GraphicsFormat = Literal["yuva420p", "rgba"]

#: alpha (0..255) -> limited-range key luma (16..235)
KEY_LUMA = np.round(16 + np.arange(256) * 219 / 255).astype(np.uint8)
BLACK_Y, BLACK_C = 16, 128


def _straight_table(black: int) -> np.ndarray:
    """[alpha << 8 | fill] -> straight value black + (fill - black) * 255 / alpha (black where alpha is 0)."""
    alpha = np.arange(256, dtype=np.float64)[:, None]
    excess = np.arange(256, dtype=np.float64)[None, :] - black
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(alpha > 0, black + excess * 255.0 / np.maximum(alpha, 1), black)
    return np.clip(np.floor(value + 0.5), 0, 255).astype(np.uint8).ravel()


#: one 64 KiB table per black level: a lookup per pixel instead of a division
STRAIGHT = {BLACK_Y: _straight_table(BLACK_Y), BLACK_C: _straight_table(BLACK_C)}


@dataclass
class GraphicsPlanes:
    """One frame of graphics alone: fill over black (yuv420p planes), alpha at luma and chroma size, and the
    union rectangle (x0, y0, x1, y1, even edges) outside which fill is black and alpha is zero."""

    fill: list[np.ndarray]
    alpha: np.ndarray
    chroma_alpha: np.ndarray
    box: tuple[int, int, int, int]
    width: int
    height: int
    pts: int
    _straight: list[np.ndarray] | None = field(default=None, repr=False)

    def fill_frame(self, mode: AlphaMode = "premultiplied") -> VideoFrame:
        """The fill as yuv420p: over black (premultiplied) or with straight colour where alpha > 0."""
        planes = self.fill if mode == "premultiplied" else self.straight()
        return VideoFrame(planes, "yuv420p", self.width, self.height, self.pts)

    def key_frame(self) -> VideoFrame:
        """The key as yuv420p: alpha as limited-range luma, neutral chroma."""
        ch, cw = self.chroma_alpha.shape
        luma = np.full((self.height, self.width), BLACK_Y, np.uint8)
        x0, y0, x1, y1 = self.box
        np.take(KEY_LUMA, self.alpha[y0:y1, x0:x1], out=luma[y0:y1, x0:x1])
        planes = [luma, np.full((ch, cw), BLACK_C, np.uint8), np.full((ch, cw), BLACK_C, np.uint8)]
        return VideoFrame(planes, "yuv420p", self.width, self.height, self.pts)

    def yuva_frame(self, mode: AlphaMode = "straight") -> VideoFrame:
        """yuva420p: straight colour (what alpha codecs and editors expect) or the fill over black, plus alpha."""
        colour = self.straight() if mode == "straight" else self.fill
        return VideoFrame([*colour, self.alpha], "yuva420p", self.width, self.height, self.pts)

    def rgba_frame(self, mode: AlphaMode = "straight") -> VideoFrame:
        """RGBA (BT.709 to full-range RGB, FFmpeg's converter): straight colour, or colour multiplied by alpha."""
        from ggpgfx.media.av_convert import video_to_av

        converted = video_to_av(self.yuva_frame("straight")).reformat(
            format="rgba", src_colorspace="ITU709", dst_colorspace="ITU709")
        rgba: np.ndarray = np.ascontiguousarray(converted.to_ndarray(), dtype=np.uint8)
        x0, y0, x1, y1 = self.box
        box = rgba[y0:y1, x0:x1]
        # the converter interpolates chroma across edges: transparent pixels get black, not a colour fringe
        box[..., :3][box[..., 3] == 0] = 0
        if mode == "premultiplied" and x1 > x0 and y1 > y0:
            acc = box[..., :3].astype(np.uint16) * box[..., 3:4]
            acc += 128
            acc += acc >> 8
            box[..., :3] = acc >> 8
        return VideoFrame([rgba], "rgba", self.width, self.height, self.pts)

    def graphics_frame(self, pixel_format: GraphicsFormat, mode: AlphaMode) -> VideoFrame:
        """The graphics layer as yuva420p or rgba in the given alpha mode."""
        return self.yuva_frame(mode) if pixel_format == "yuva420p" else self.rgba_frame(mode)

    def straight(self) -> list[np.ndarray]:
        """yuv420p planes with straight (un-premultiplied) colour: black where alpha is zero."""
        if self._straight is not None:
            return self._straight
        planes = [plane.copy() for plane in self.fill]
        x0, y0, x1, y1 = self.box
        if x1 > x0 and y1 > y0:
            _unpremultiply(planes[0][y0:y1, x0:x1], self.alpha[y0:y1, x0:x1], BLACK_Y)
            c_box = (slice(y0 // 2, y1 // 2), slice(x0 // 2, x1 // 2))
            c_alpha = self.chroma_alpha[c_box]
            _unpremultiply(planes[1][c_box], c_alpha, BLACK_C)
            _unpremultiply(planes[2][c_box], c_alpha, BLACK_C)
        self._straight = planes
        return planes


def _unpremultiply(plane: np.ndarray, alpha: np.ndarray, black: int) -> None:
    """value = black + (fill - black) * 255 / alpha where alpha > 0, black where it is 0 (in place)."""
    index = alpha.astype(np.uint16)
    index <<= 8
    index |= plane
    np.take(STRAIGHT[black], index, out=plane)


def _clip(start: int, size: int, limit: int) -> tuple[int, int, int]:
    """(destination start, source start, length) of a span clipped to [0, limit), as the compositor clips."""
    d0, s0 = start, 0
    if d0 < 0:
        s0, d0 = -d0, 0
    return d0, s0, max(0, min(size - s0, limit - d0))


def union_box(layers: Sequence[Layer], width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) with even edges covering every visible layer clipped to the frame; empty (0,0,0,0)."""
    x0, y0, x1, y1 = width, height, 0, 0
    for layer in layers:
        if layer.opacity <= 0:
            continue
        dy, _, hh = _clip(layer.y, layer.height, height)
        dx, _, ww = _clip(layer.x, layer.width, width)
        if hh <= 0 or ww <= 0:
            continue
        x0, y0 = min(x0, dx), min(y0, dy)
        x1, y1 = max(x1, dx + ww), max(y1, dy + hh)
    if x1 <= x0 or y1 <= y0:
        return (0, 0, 0, 0)
    return (x0 & ~1, y0 & ~1, min(width, (x1 + 1) & ~1), min(height, (y1 + 1) & ~1))


def _alpha_pm(inv: np.ndarray) -> np.ndarray:
    """A white layer's premultiplied value for blending alpha itself: 255 * (255 - inv)."""
    pm = np.subtract(255, inv, dtype=np.uint16)
    pm *= 255
    return pm


def render_graphics(layers: Sequence[Layer], width: int, height: int, pts: int = 0) -> GraphicsPlanes:
    """Blend layers (bottom first) into a black fill and an empty alpha, with the program's kernel."""
    ch, cw = (height + 1) // 2, (width + 1) // 2
    fill = [np.full((height, width), BLACK_Y, np.uint8), np.full((ch, cw), BLACK_C, np.uint8),
            np.full((ch, cw), BLACK_C, np.uint8)]
    alpha = np.zeros((height, width), np.uint8)
    chroma_alpha = np.zeros((ch, cw), np.uint8)
    for layer in layers:
        if layer.opacity <= 0:
            continue
        dy, sy, hh = _clip(layer.y, layer.height, height)
        dx, sx, ww = _clip(layer.x, layer.width, width)
        if hh <= 0 or ww <= 0:
            continue
        inv = layer.y_inv[sy:sy + hh, sx:sx + ww]
        blend_plane(fill[0][dy:dy + hh, dx:dx + ww], layer.y_pm[sy:sy + hh, sx:sx + ww], inv, layer.opacity)
        blend_plane(alpha[dy:dy + hh, dx:dx + ww], _alpha_pm(inv), inv, layer.opacity)
        cdy, csy, chh = _clip(layer.y // 2, layer.c_inv.shape[0], ch)
        cdx, csx, cww = _clip(layer.x // 2, layer.c_inv.shape[1], cw)
        if chh <= 0 or cww <= 0:
            continue
        c_inv = layer.c_inv[csy:csy + chh, csx:csx + cww]
        region = (slice(cdy, cdy + chh), slice(cdx, cdx + cww))
        blend_plane(fill[1][region], layer.u_pm[csy:csy + chh, csx:csx + cww], c_inv, layer.opacity)
        blend_plane(fill[2][region], layer.v_pm[csy:csy + chh, csx:csx + cww], c_inv, layer.opacity)
        blend_plane(chroma_alpha[region], _alpha_pm(c_inv), c_inv, layer.opacity)
    return GraphicsPlanes(fill, alpha, chroma_alpha, union_box(layers, width, height), width, height, pts)


def key_over(background: VideoFrame, fill: VideoFrame, key: VideoFrame, mode: AlphaMode = "premultiplied"
             ) -> VideoFrame:
    """What a vision mixer's linear keyer makes of a fill + key pair over a yuv420p background (for tests and
    previews): premultiplied `fill + (1 - k) * (bg - black)`, straight `bg * (1 - k) + fill * k`. The key is
    averaged over 2x2 blocks for chroma, as a 4:2:0 keyer does."""
    k = (key.planes[0].astype(np.float32) - BLACK_Y) / 219.0
    k = np.clip(k, 0.0, 1.0)
    h, w = k.shape
    kc = (k[0:h & ~1:2, 0:w & ~1:2] + k[1:h & ~1:2, 0:w & ~1:2] + k[0:h & ~1:2, 1:w & ~1:2]
          + k[1:h & ~1:2, 1:w & ~1:2]) * 0.25
    planes = []
    for index, (bg, fg) in enumerate(zip(background.planes, fill.planes, strict=True)):
        kk = k if index == 0 else kc[: bg.shape[0], : bg.shape[1]]
        black = BLACK_Y if index == 0 else BLACK_C
        b = bg.astype(np.float32)
        f = fg.astype(np.float32)
        out = f + (1.0 - kk) * (b - black) if mode == "premultiplied" else b * (1.0 - kk) + f * kk
        planes.append(np.clip(np.round(out), 0, 255).astype(np.uint8))
    return VideoFrame(planes, "yuv420p", background.width, background.height, background.pts)
