"""Hole-card camera wall: every seat's under-the-rail camera as one tile of a 5x2 grid, in yuv420p.

Production galleries watch all hole-card cameras on one multiviewer; the simulator draws that wall so a
second `detect.cards` (with these fixed zones) can read the hole cards up close.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ggpgfx.cards.deck import FONTS_DIR, DeckStyle, card_size, render_card
from ggpgfx.cards.scene import Zone, _rect, hole_card_pitch
from ggpgfx.cards.yuv import YuvaPatch, blit, rgb_image_to_planes, to_yuva
from ggpgfx.poker.phh_script import TableView

COLUMNS, ROWS = 5, 2


class HoleCamWall:
    """Ten hole-card camera tiles; `update(view)` redraws, `frame_planes()` copies the current picture."""

    def __init__(self, width: int, height: int, style: DeckStyle) -> None:
        self.width, self.height, self.style = width, height, style
        self.tile_w, self.tile_h = (width // COLUMNS) & ~1, (height // ROWS) & ~1
        self.card_w, self.card_h = card_size(int(self.tile_w * 0.36) & ~1)
        self.card_h &= ~1
        self.gap = max(4, self.card_w // 6)
        image = Image.new("RGB", (width, height), (10, 12, 16))
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(str(FONTS_DIR / "DejaVuSans-Bold.ttf"), max(8, self.tile_h // 12))
        for seat in range(1, 11):
            x, y = self._tile(seat)
            draw.rectangle([x + 2, y + 2, x + self.tile_w - 3, y + self.tile_h - 3], fill=(20, 70, 40))
            draw.text((x + 8, y + 6), f"SEAT {seat}", font=font, fill=(200, 200, 200))
        self.background = rgb_image_to_planes(image)
        self.planes = [p.copy() for p in self.background]
        self._patches: dict[str, YuvaPatch] = {}

    def _tile(self, seat: int) -> tuple[int, int]:
        index = seat - 1
        return (index % COLUMNS) * self.tile_w, (index // COLUMNS) * self.tile_h

    def _cards_origin(self, seat: int) -> tuple[int, int]:
        x, y = self._tile(seat)
        return (x + (self.tile_w - 2 * self.card_w - self.gap) // 2) & ~1, (y + (self.tile_h - self.card_h) // 2 + 6) & ~1

    def zones(self) -> list[Zone]:
        """One seat zone per tile (the wall's calibration)."""
        m = self.gap // 2
        result = []
        for seat in range(1, 11):
            x, y = self._cards_origin(seat)
            result.append(Zone(f"holecam{seat}", "seat", seat,
                               _rect(x - m, y - m, 2 * self.card_w + self.gap + 2 * m, self.card_h + 2 * m)))
        return result

    def update(self, view: TableView | None) -> None:
        """Show the hole cards of every seat still in the hand."""
        planes = [p.copy() for p in self.background]
        if view is not None:
            for seat, sv in view.seats.items():
                if sv.folded:
                    continue
                x, y = self._cards_origin(seat)
                pitch = hole_card_pitch(len(sv.hole_cards), self.card_w, self.gap)  # Omaha fans inside the zone
                for i, card in enumerate(sv.hole_cards):
                    if card not in self._patches:
                        self._patches[card] = to_yuva(render_card(card, self.style, self.card_w))
                    blit(planes, self._patches[card], x + i * pitch, y)
        self.planes = planes

    def frame_planes(self) -> list[np.ndarray]:
        """Fresh copies of the current planes."""
        return [p.copy() for p in self.planes]
