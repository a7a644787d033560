"""Cheap per-frame text in YUV: a monospace glyph atlas of ready YUVA cells, placed side by side."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from string import Formatter

from PIL import Image, ImageDraw, ImageFont

from ggpgfx.errors import ConfigError
from ggpgfx.render.draw import rgba
from ggpgfx.render.layers import Layer, layer_from_rgba
from ggpgfx.render.skins import SKINS_ROOT

MONO_FONT = SKINS_ROOT / "broadcast" / "fonts" / "DejaVuSansMono-Bold.ttf"
TEMPLATE_KEYS = ("pts", "frame", "time", "clock", "seconds")


def check_template(template: str) -> None:
    """Raise ConfigError when the template names a field other than {pts} {frame} {time} {clock} {seconds}."""
    try:
        fields = [name for _, name, _, _ in Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ConfigError(f"text template {template!r}: {exc}") from None
    unknown = [f for f in fields if f.split(":")[0].split(".")[0] not in TEMPLATE_KEYS]
    if unknown:
        raise ConfigError(f"text template {template!r}: unknown field {{{unknown[0]}}}; use "
                          + ", ".join("{" + k + "}" for k in TEMPLATE_KEYS))


def fill_template(template: str, pts: int, frame: int) -> str:
    """The template with this frame's values: pts (µs), frame index, media time, wall clock, seconds."""
    total_ms = max(0, pts) // 1000
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    media_time = f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    clock = dt.datetime.now().strftime("%H:%M:%S")
    return template.format(pts=pts, frame=frame, time=media_time, clock=clock, seconds=pts / 1e6)


class GlyphAtlas:
    """Each character drawn once, with its background, as a YUVA cell of fixed even width."""

    def __init__(self, size: int, color: str = "#ffffff", background: str = "#000000a0",
                 font_path: Path = MONO_FONT) -> None:
        self.face = ImageFont.truetype(str(font_path), max(6, size))
        ascent, descent = self.face.getmetrics()
        self.pad = max(2, size // 6)
        self.cell_w = int(math.ceil(self.face.getlength("M"))) + 1 & ~1
        self.cell_h = ascent + descent + 2 * self.pad + 1 & ~1
        self.ascent = ascent
        self.ink, self.paper = rgba(color), rgba(background)
        self.cells: dict[str, Layer] = {}

    def cell(self, char: str) -> Layer:
        """The cached YUVA cell of one character."""
        layer = self.cells.get(char)
        if layer is None:
            image = Image.new("RGBA", (self.cell_w, self.cell_h), self.paper)
            glyph = Image.new("RGBA", (self.cell_w, self.cell_h), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((self.cell_w / 2, self.pad + self.ascent), char, font=self.face,
                                       fill=self.ink, anchor="ms")
            image.alpha_composite(glyph)
            layer = self.cells[char] = layer_from_rgba(image)
        return layer

    def layers(self, value: str, x: int, y: int) -> list[Layer]:
        """Cells for a string (with one blank cell each side as margin) starting at (x, y)."""
        padded = f" {value} "
        return [self.cell(ch).placed(x + i * self.cell_w, y) for i, ch in enumerate(padded)]

    def width(self, value: str) -> int:
        """Width in pixels of `layers(value)`."""
        return (len(value) + 2) * self.cell_w
