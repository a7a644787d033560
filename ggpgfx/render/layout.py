"""Scaling a skin's reference layout to an output size (720p, 1080p, 4K, 9:16 vertical)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import ImageFont

from ggpgfx.errors import ConfigError
from ggpgfx.render.draw import font
from ggpgfx.render.skins import Box, Skin

#: Title-safe area: the centre 90% of the frame in each direction (SMPTE ST 2046-1).
TITLE_SAFE_MARGIN = 0.05


@dataclass
class Layout:
    """A skin placed on one output size: element rectangles in pixels and a uniform size scale."""

    skin: Skin
    width: int
    height: int
    chip_format: str = "exact"
    lang: str = "en"
    sx: float = field(init=False)
    sy: float = field(init=False)
    s: float = field(init=False)

    def __post_init__(self) -> None:
        if self.width < 160 or self.height < 120:
            raise ConfigError(f"output {self.width}x{self.height} is too small for an overlay (min 160x120)")
        spec = self.skin.layout_for(self.width, self.height)
        self.spec = spec
        ref_w, ref_h = spec.reference
        # positions follow each axis; sizes use one factor so shapes and text never stretch
        self.sx, self.sy = self.width / ref_w, self.height / ref_h
        self.s = min(self.sx, self.sy)

    def word(self, text: str) -> str:
        """A fixed word of the overlay ("POT", "PRE-FLOP") in the output's language."""
        from ggpgfx.render.i18n import word

        return word(text, self.lang)

    def action(self, label: str) -> str:
        """An action badge label in the output's language."""
        from ggpgfx.render.i18n import action

        return action(label, self.lang)

    def badge(self, label: str, big_blind: int) -> str:
        """An action badge as drawn: in the output's language, upper case, its amount in the output's chip format
        (`RAISE TO 1.15M`, `RAISE TO 2.3 BB`: a badge in chips beside stacks in big blinds mixed two units)."""
        import re

        from ggpgfx.render.formats import format_chips

        text = self.action(label).upper()
        if self.chip_format == "exact":
            return text
        return re.sub(r"\d{1,3}(?:,\d{3})+|\d+", lambda amount: format_chips(
            int(amount.group().replace(",", "")), self.chip_format, big_blind), text)  # type: ignore[arg-type]

    def hand(self, label: str) -> str:
        """A hand label in the output's language."""
        from ggpgfx.render.i18n import hand

        return hand(label, self.lang)

    def has(self, name: str) -> bool:
        """True when the layout places this element."""
        return name in self.spec.elements

    def box(self, name: str) -> Box:
        """The element's reference box."""
        try:
            return self.spec.elements[name]
        except KeyError:
            raise ConfigError(f"skin '{self.skin.name}' does not place element '{name}'") from None

    def origin(self, name: str) -> tuple[int, int]:
        """Top-left of the element in output pixels (even, for 4:2:0 chroma)."""
        box = self.box(name)
        return int(round(box.x * self.sx)) & ~1, int(round(box.y * self.sy)) & ~1

    def size(self, name: str) -> tuple[int, int]:
        """Width and height of the element in output pixels."""
        box = self.box(name)
        return max(2, self.px(box.w)), max(2, self.px(box.h))

    def extra(self, name: str, key: str, default: Any) -> Any:
        """An element-specific setting from the skin (gap, rows, speed, ...)."""
        return self.box(name).extra(key, default)

    def scaled(self, factor: float) -> Layout:
        """This layout with every size (not position) `factor` times as large: what a row drawn smaller than the
        skin's, to fit more of them, is drawn with."""
        smaller = copy.copy(self)
        smaller.s = self.s * factor
        return smaller

    def px(self, value: float) -> int:
        """A reference length in output pixels."""
        return int(round(value * self.s))

    def font(self, key: str, reference_size: float) -> ImageFont.FreeTypeFont:
        """A skin font at a reference size, scaled."""
        return font(self.skin.font_path(key), max(7, self.px(reference_size)))

    def font_path(self, key: str) -> Path:
        """A skin font's file."""
        return self.skin.font_path(key)

    def name(self, value: str) -> str:
        """A player name as the skin prints it (in capitals where the skin says so, Greek without its accents)."""
        from ggpgfx.render.i18n import caps

        return caps(value) if self.skin.uppercase_names else value
