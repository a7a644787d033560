"""Country flags drawn from simple geometry (no image files, no network): bands, crosses, discs, stars.

A built-in set of the countries most often seen at poker tables; `flag_image(code, w, h)` gives None for
any other ISO code, and the elements print the code on a badge instead (`draw_flag`). The drawings are
simplified (no coats of arms; the maple leaf, sun and wheel are plain shapes), which reads correctly at
the 20-60 px a broadcast shows a flag at. Each is drawn on a 600x400 canvas and reduced with Lanczos.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from ggpgfx.render import draw
from ggpgfx.render.draw import RGBA

W, H = 600, 400
Painter = Callable[[ImageDraw.ImageDraw], None]


def _h(colors: list[str], weights: list[int] | None = None) -> Painter:
    """Horizontal bands, top first."""
    weights = weights or [1] * len(colors)

    def paint(d: ImageDraw.ImageDraw) -> None:
        y = 0.0
        for color, weight in zip(colors, weights, strict=True):
            step = H * weight / sum(weights)
            d.rectangle((0, round(y), W, round(y + step)), fill=color)
            y += step
    return paint


def _v(colors: list[str], weights: list[int] | None = None) -> Painter:
    """Vertical bands, hoist first."""
    weights = weights or [1] * len(colors)

    def paint(d: ImageDraw.ImageDraw) -> None:
        x = 0.0
        for color, weight in zip(colors, weights, strict=True):
            step = W * weight / sum(weights)
            d.rectangle((round(x), 0, round(x + step), H), fill=color)
            x += step
    return paint


def _nordic(field: str, cross: str, inner: str | None = None) -> Painter:
    """An off-centre (Nordic) cross, optionally with a narrower inner cross."""
    def paint(d: ImageDraw.ImageDraw) -> None:
        d.rectangle((0, 0, W, H), fill=field)
        cx, width = W * 0.36, H * (0.25 if inner else 0.2)
        d.rectangle((cx - width / 2, 0, cx + width / 2, H), fill=cross)
        d.rectangle((0, H / 2 - width / 2, W, H / 2 + width / 2), fill=cross)
        if inner:
            width *= 0.5
            d.rectangle((cx - width / 2, 0, cx + width / 2, H), fill=inner)
            d.rectangle((0, H / 2 - width / 2, W, H / 2 + width / 2), fill=inner)
    return paint


def _star(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, color: str, points: int = 5,
          rotation: float = -90.0) -> None:
    pts = []
    for i in range(points * 2):
        radius = r if i % 2 == 0 else r * (0.382 if points == 5 else 0.5)
        angle = math.radians(rotation + i * 180 / points)
        pts.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    d.polygon(pts, fill=color)


def _disc(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, color: str) -> None:
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)


def _union(d: ImageDraw.ImageDraw, w: float, h: float) -> None:
    """The Union Flag in the box (0, 0, w, h) (the saltire drawn symmetric, as small sizes show it)."""
    d.rectangle((0, 0, w, h), fill="#012169")
    for a, b in (((0, 0), (w, h)), ((0, h), (w, 0))):
        d.line((a, b), fill="#ffffff", width=round(h * 0.2))
        d.line((a, b), fill="#C8102E", width=round(h * 0.07))
    d.rectangle((w / 2 - h / 6, 0, w / 2 + h / 6, h), fill="#ffffff")
    d.rectangle((0, h / 3, w, h * 2 / 3), fill="#ffffff")
    d.rectangle((w / 2 - h / 10, 0, w / 2 + h / 10, h), fill="#C8102E")
    d.rectangle((0, h * 0.4, w, h * 0.6), fill="#C8102E")


def _gb(d: ImageDraw.ImageDraw) -> None:
    _union(d, W, H)


def _au_nz(star_color: str, outline: str | None) -> Painter:
    def paint(d: ImageDraw.ImageDraw) -> None:
        d.rectangle((0, 0, W, H), fill="#012169")
        _union(d, W / 2, H / 2)
        stars = [(0.75, 0.25, 0.05), (0.62, 0.52, 0.05), (0.75, 0.8, 0.05), (0.87, 0.45, 0.05)]
        for x, y, r in stars:
            if outline:
                _star(d, x * W, y * H, r * W * 1.3, outline)
            _star(d, x * W, y * H, r * W, star_color, 5 if outline else 7)
        if not outline:
            _star(d, 0.25 * W, 0.75 * H, 0.09 * W, "#ffffff", 7)  # the Commonwealth Star
    return paint


def _us(d: ImageDraw.ImageDraw) -> None:
    for i in range(13):
        d.rectangle((0, H * i / 13, W, H * (i + 1) / 13), fill="#B22234" if i % 2 == 0 else "#ffffff")
    cw, ch = W * 0.4, H * 7 / 13
    d.rectangle((0, 0, cw, ch), fill="#3C3B6E")
    for row in range(9):
        for col in range(6 if row % 2 == 0 else 5):
            x = cw * (col * 2 + (1 if row % 2 == 0 else 2)) / 12
            _star(d, x, ch * (row + 1) / 10, ch / 24, "#ffffff")


def _ca(d: ImageDraw.ImageDraw) -> None:
    _v(["#D80621", "#ffffff", "#D80621"], [1, 2, 1])(d)
    cx, cy, s = W / 2, H / 2, H / 2.6
    leaf = [(0, -1), (0.18, -0.62), (0.38, -0.72), (0.3, -0.2), (0.72, -0.52), (0.62, -0.3), (0.9, -0.2),
            (0.55, 0.15), (0.62, 0.35), (0.06, 0.26), (0.06, 0.75), (-0.06, 0.75), (-0.06, 0.26), (-0.62, 0.35),
            (-0.55, 0.15), (-0.9, -0.2), (-0.62, -0.3), (-0.72, -0.52), (-0.3, -0.2), (-0.38, -0.72),
            (-0.18, -0.62)]
    d.polygon([(cx + x * s, cy + y * s) for x, y in leaf], fill="#D80621")


def _ch(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#DA291C")
    arm, long = H * 0.2, H * 0.6
    d.rectangle((W / 2 - arm / 2, H / 2 - long / 2, W / 2 + arm / 2, H / 2 + long / 2), fill="#ffffff")
    d.rectangle((W / 2 - long / 2, H / 2 - arm / 2, W / 2 + long / 2, H / 2 + arm / 2), fill="#ffffff")


def _jp(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#ffffff")
    _disc(d, W / 2, H / 2, H * 0.3, "#BC002D")


def _kr(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#ffffff")
    r = H / 4
    d.pieslice((W / 2 - r, H / 2 - r, W / 2 + r, H / 2 + r), 180, 360, fill="#CD2E3A")
    d.pieslice((W / 2 - r, H / 2 - r, W / 2 + r, H / 2 + r), 0, 180, fill="#0047A0")
    for corner_x, corner_y in ((0.17, 0.2), (0.83, 0.2), (0.17, 0.8), (0.83, 0.8)):
        for k in range(3):
            y = H * corner_y + (k - 1) * H * 0.05
            d.rectangle((W * corner_x - W * 0.06, y - H * 0.015, W * corner_x + W * 0.06, y + H * 0.015), fill="#000000")


def _cn(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#EE1C25")
    _star(d, W * 0.17, H * 0.25, H * 0.15, "#FFFF00")
    for x, y in ((0.33, 0.1), (0.4, 0.2), (0.4, 0.35), (0.33, 0.45)):
        _star(d, W * x, H * y, H * 0.05, "#FFFF00")


def _vn(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#DA251D")
    _star(d, W / 2, H / 2 + H * 0.03, H * 0.3, "#FFFF00")


def _tr(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#E30A17")
    _disc(d, W * 0.38, H / 2, H * 0.25, "#ffffff")
    _disc(d, W * 0.42, H / 2, H * 0.2, "#E30A17")
    _star(d, W * 0.56, H / 2, H * 0.11, "#ffffff", rotation=180)


def _br(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#009C3B")
    d.polygon([(W * 0.08, H / 2), (W / 2, H * 0.1), (W * 0.92, H / 2), (W / 2, H * 0.9)], fill="#FFDF00")
    _disc(d, W / 2, H / 2, H * 0.21, "#002776")


def _ar(d: ImageDraw.ImageDraw) -> None:
    _h(["#74ACDF", "#ffffff", "#74ACDF"])(d)
    _disc(d, W / 2, H / 2, H * 0.1, "#F6B40E")


def _in(d: ImageDraw.ImageDraw) -> None:
    _h(["#FF9933", "#ffffff", "#138808"])(d)
    r = H * 0.13
    d.ellipse((W / 2 - r, H / 2 - r, W / 2 + r, H / 2 + r), outline="#000080", width=round(H * 0.025))
    _disc(d, W / 2, H / 2, H * 0.025, "#000080")


def _il(d: ImageDraw.ImageDraw) -> None:
    d.rectangle((0, 0, W, H), fill="#ffffff")
    d.rectangle((0, H * 0.1, W, H * 0.25), fill="#0038B8")
    d.rectangle((0, H * 0.75, W, H * 0.9), fill="#0038B8")
    r = H * 0.17
    for rot in (-90, 90):
        tri = [(W / 2 + r * math.cos(math.radians(rot + k * 120)), H / 2 + r * math.sin(math.radians(rot + k * 120)))
               for k in range(3)]
        d.polygon(tri, outline="#0038B8", width=round(H * 0.025))


def _gr(d: ImageDraw.ImageDraw) -> None:
    for i in range(9):
        d.rectangle((0, H * i / 9, W, H * (i + 1) / 9), fill="#0D5EAF" if i % 2 == 0 else "#ffffff")
    c = H * 5 / 9
    d.rectangle((0, 0, c, c), fill="#0D5EAF")
    d.rectangle((c * 0.4, 0, c * 0.6, c), fill="#ffffff")
    d.rectangle((0, c * 0.4, c, c * 0.6), fill="#ffffff")


def _cz(d: ImageDraw.ImageDraw) -> None:
    _h(["#ffffff", "#D7141A"])(d)
    d.polygon([(0, 0), (W / 2, H / 2), (0, H)], fill="#11457E")


def _cl(d: ImageDraw.ImageDraw) -> None:
    _h(["#ffffff", "#D52B1E"])(d)
    d.rectangle((0, 0, H / 2, H / 2), fill="#0039A6")
    _star(d, H / 4, H / 4, H * 0.1, "#ffffff")


def _pt(d: ImageDraw.ImageDraw) -> None:
    _v(["#006600", "#FF0000"], [2, 3])(d)
    _disc(d, W * 0.4, H / 2, H * 0.17, "#FFCC00")


def _mx(d: ImageDraw.ImageDraw) -> None:
    _v(["#006847", "#ffffff", "#CE1126"])(d)
    _disc(d, W / 2, H / 2, H * 0.12, "#8C5A2B")


FLAGS: dict[str, Painter] = {
    "AM": _h(["#D90012", "#0033A0", "#F2A800"]),
    "AR": _ar,
    "AT": _h(["#ED2939", "#ffffff", "#ED2939"]),
    "AU": _au_nz("#ffffff", None),
    "BE": _v(["#000000", "#FDDA24", "#EF3340"]),
    "BG": _h(["#ffffff", "#00966E", "#D62612"]),
    "BR": _br,
    "BY": _h(["#C8313E", "#4AA657"], [2, 1]),
    "CA": _ca,
    "CH": _ch,
    "CL": _cl,
    "CN": _cn,
    "CO": _h(["#FCD116", "#003893", "#CE1126"], [2, 1, 1]),
    "CZ": _cz,
    "DE": _h(["#000000", "#DD0000", "#FFCE00"]),
    "DK": _nordic("#C8102E", "#ffffff"),
    "EE": _h(["#0072CE", "#000000", "#ffffff"]),
    "ES": _h(["#AA151B", "#F1BF00", "#AA151B"], [1, 2, 1]),
    "FI": _nordic("#ffffff", "#002F6C"),
    "FR": _v(["#002395", "#ffffff", "#ED2939"]),
    "GB": _gb,
    "GR": _gr,
    "HU": _h(["#CD2A3E", "#ffffff", "#436F4D"]),
    "ID": _h(["#CE1126", "#ffffff"]),
    "IE": _v(["#169B62", "#ffffff", "#FF883E"]),
    "IL": _il,
    "IN": _in,
    "IS": _nordic("#02529C", "#ffffff", "#DC1E35"),
    "IT": _v(["#009246", "#ffffff", "#CE2B37"]),
    "JP": _jp,
    "KR": _kr,
    "LT": _h(["#FDB913", "#006A44", "#C1272D"]),
    "LU": _h(["#EA141D", "#ffffff", "#51ADDA"]),
    "LV": _h(["#9E3039", "#ffffff", "#9E3039"], [2, 1, 2]),
    "MC": _h(["#CE1126", "#ffffff"]),
    "MX": _mx,
    "NG": _v(["#008751", "#ffffff", "#008751"]),
    "NL": _h(["#AE1C28", "#ffffff", "#21468B"]),
    "NO": _nordic("#BA0C2F", "#ffffff", "#00205B"),
    "NZ": _au_nz("#C8102E", "#ffffff"),
    "PE": _v(["#D91023", "#ffffff", "#D91023"]),
    "PL": _h(["#ffffff", "#DC143C"]),
    "PT": _pt,
    "RO": _v(["#002B7F", "#FCD116", "#CE1126"]),
    "RU": _h(["#ffffff", "#0039A6", "#D52B1E"]),
    "SE": _nordic("#006AA7", "#FECC00"),
    "TH": _h(["#A51931", "#F4F5F8", "#2D2A4A", "#F4F5F8", "#A51931"], [1, 1, 2, 1, 1]),
    "TR": _tr,
    "UA": _h(["#0057B7", "#FFD700"]),
    "US": _us,
    "VN": _vn,
}


@functools.lru_cache(maxsize=256)
def flag_image(code: str | None, width: int, height: int) -> Image.Image | None:
    """The flag of an ISO 3166 alpha-2 country at width x height, or None when it is not in the built-in set."""
    painter = FLAGS.get((code or "").upper())
    if painter is None:
        return None
    canvas = Image.new("RGB", (W, H), "#ffffff")
    painter(ImageDraw.Draw(canvas))
    # Lanczos straight from 600x400 blurs a 30 px flag: halve in box steps first, then the last step.
    while canvas.width >= width * 4 and canvas.height >= height * 4:
        canvas = canvas.reduce(2)
    return canvas.resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS).convert("RGBA")


@functools.lru_cache(maxsize=256)
def _rounded_flag(code: str, width: int, height: int, radius: int) -> Image.Image | None:
    picture = flag_image(code, width, height)
    return None if picture is None else draw.rounded_image(picture, radius)


def draw_flag(image: Image.Image, box: tuple[int, int, int, int], code: str | None, font_path: Path,
              fill: RGBA, ink: RGBA, radius: int = 2) -> None:
    """The flag in box (x, y, w, h), rounded; an unknown country's ISO code on a badge; nothing without a code."""
    if not code:
        return
    x, y, w, h = box
    picture = _rounded_flag(code.upper(), w, h, radius)
    if picture is not None:
        draw.over(image, picture, (x, y))
        return
    draw.panel(image, box, fill, radius)
    face = draw.fit_font(font_path, code.upper(), int(h * 0.72), w - 4)
    draw.text(image, (x + w / 2, y + h / 2), code.upper(), face, ink, anchor="mm", role="flag")

