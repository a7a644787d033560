"""The simulated table as seen by an overhead camera: layout (zones) and an incremental yuv420p renderer.

The static scene (background, felt, rail, seat markers) is drawn and converted to YUV once. Cards, name
plates and chips are small cached YUVA patches blitted when the table changes; frames are copies.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ggpgfx.cards.deck import FONTS_DIR, DeckStyle, card_size, render_back, render_card
from ggpgfx.cards.yuv import YuvaPatch, blit, rgb_image_to_planes, to_yuva
from ggpgfx.poker.phh_script import SeatView, TableView

FELT = (22, 96, 52)
RAIL = (70, 42, 24)
BACKDROP = (18, 20, 26)


@dataclass(frozen=True)
class Zone:
    """A calibrated region of a camera image where cards lie: `zone` is seat/board/muck, `seat` or -1."""

    name: str
    zone: str
    seat: int
    polygon: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the zones file format)."""
        return {"name": self.name, "zone": self.zone, "seat": self.seat, "polygon": [list(p) for p in self.polygon]}


def _rect(x: float, y: float, w: float, h: float) -> tuple[tuple[int, int], ...]:
    x0, y0, x1, y1 = int(x), int(y), int(x + w), int(y + h)
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


class TableLayout:
    """Where everything sits for a given frame size: seats around an oval, board in the middle."""

    def __init__(self, width: int, height: int, card_scale: float = 0.045) -> None:
        self.width, self.height = width, height
        self.card_w, self.card_h = card_size(max(24, int(width * card_scale)) & ~1)
        self.card_h &= ~1
        self.cx, self.cy = width / 2, height * 0.47
        self.rx, self.ry = width * 0.44, height * 0.38
        self.gap = max(4, self.card_w // 5)
        self.seat_points: dict[int, tuple[float, float, float]] = {}
        for seat in range(1, 11):
            angle = math.pi / 2 + (seat - 1) * 2 * math.pi / 10  # seat 1 at the bottom, clockwise
            self.seat_points[seat] = (math.cos(angle), math.sin(angle), angle)

    def seat_cards_origin(self, seat: int) -> tuple[int, int]:
        """Top-left of the first hole card of a seat (inside the felt, towards the centre)."""
        c, s, _ = self.seat_points[seat]
        x = self.cx + c * self.rx * 0.72 - (2 * self.card_w + self.gap) / 2
        y = self.cy + s * self.ry * 0.66 - self.card_h / 2
        return int(x) & ~1, int(y) & ~1

    def plate_origin(self, seat: int) -> tuple[int, int]:
        """Top-left of a seat's name plate (on the rail)."""
        c, s, _ = self.seat_points[seat]
        pw, ph = self.plate_size()
        x = self.cx + c * (self.rx * 1.0) - pw / 2
        y = self.cy + s * (self.ry * 1.04) - ph / 2
        return int(min(max(0, x), self.width - pw)) & ~1, int(min(max(0, y), self.height - ph)) & ~1

    def plate_size(self) -> tuple[int, int]:
        """Name plate size in pixels."""
        return (int(self.width * 0.13) & ~1), (int(self.height * 0.075) & ~1)

    def board_origin(self) -> tuple[int, int]:
        """Top-left of the first board card."""
        total = 5 * self.card_w + 4 * self.gap
        return int(self.cx - total / 2) & ~1, int(self.cy - self.card_h / 2) & ~1

    def zones(self) -> list[Zone]:
        """Zone polygons of the overhead camera (calibration the detector uses)."""
        m = self.gap // 2
        result = []
        for seat in range(1, 11):
            x, y = self.seat_cards_origin(seat)
            result.append(Zone(f"seat{seat}", "seat", seat,
                               _rect(x - m, y - m, 2 * self.card_w + self.gap + 2 * m, self.card_h + 2 * m)))
        bx, by = self.board_origin()
        result.append(Zone("board", "board", -1,
                           _rect(bx - m, by - m, 5 * self.card_w + 4 * self.gap + 2 * m, self.card_h + 2 * m)))
        return result


def hole_card_pitch(count: int, card_w: int, gap: int) -> int:
    """Distance between a seat's hole cards: side by side for two, fanned to fit the same zone for Omaha's 4-6."""
    if count <= 2:
        return card_w + gap
    return (card_w + gap) // (count - 1)


@lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS_DIR / name), max(6, size))


def _static_scene(layout: TableLayout, seed: int) -> Image.Image:
    w, h = layout.width, layout.height
    image = Image.new("RGB", (w, h), BACKDROP)
    draw = ImageDraw.Draw(image)
    rail = max(6, int(h * 0.03))
    box = [layout.cx - layout.rx - rail, layout.cy - layout.ry - rail, layout.cx + layout.rx + rail,
           layout.cy + layout.ry + rail]
    draw.ellipse(box, fill=RAIL)
    draw.ellipse([layout.cx - layout.rx, layout.cy - layout.ry, layout.cx + layout.rx, layout.cy + layout.ry],
                 fill=FELT)
    # a little felt texture so the detector never sees a perfectly flat background
    rng = np.random.default_rng(seed)
    noise = Image.fromarray((rng.normal(0, 6, (h // 4, w // 4)) + 128).clip(0, 255).astype(np.uint8))
    noise = noise.resize((w, h), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1))
    texture = np.asarray(noise).astype(np.int16) - 128
    arr = np.asarray(image).astype(np.int16)
    arr = (arr + texture[..., None]).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(arr)
    draw = ImageDraw.Draw(image)
    bx, by = layout.board_origin()
    outline = (40, 120, 70)
    for i in range(5):  # faint board boxes printed on the felt
        x = bx + i * (layout.card_w + layout.gap)
        draw.rounded_rectangle([x - 2, by - 2, x + layout.card_w + 2, by + layout.card_h + 2], radius=4,
                               outline=outline, width=1)
    title = _font("DejaVuSans-Bold.ttf", int(h * 0.028))
    draw.text((layout.cx, layout.cy + layout.ry * 0.34), "ggpgfx", font=title, fill=(30, 110, 62), anchor="mm")
    return image


class SceneRenderer:
    """Keeps the current table image in yuv420p; `update(view)` redraws only when the view changed."""

    def __init__(self, layout: TableLayout, style: DeckStyle, seed: int = 0, tilt_degrees: float = 4.0,
                 name_plates: bool = True, hole_cards: str = "up") -> None:
        self.layout = layout
        self.name_plates = name_plates
        self.hole_cards = hole_cards  # "up" (readable by an overhead camera), "down" (backs) or "hidden"
        self.style = style
        self.rng = random.Random(seed)
        self.tilt = tilt_degrees
        self.background = rgb_image_to_planes(_static_scene(layout, seed))
        self.planes = [p.copy() for p in self.background]
        self._angles: dict[str, float] = {}
        self._patches: dict[Any, YuvaPatch] = {}
        self.visible: list[tuple[str, int, str]] = []  # (zone, seat, card) currently drawn
        #: (x, y, w, h) of the text panels drawn on the felt (name plates): an overlay must not cover them
        self.text_boxes: list[tuple[int, int, int, int]] = []

    def _card_patch(self, card: str) -> YuvaPatch:
        angle = self._angles.setdefault(card, self.rng.uniform(-self.tilt, self.tilt))
        key = ("card", card, round(angle, 1))
        if key not in self._patches:
            image = render_card(card, self.style, self.layout.card_w)
            if abs(angle) > 0.05:
                image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
            self._patches[key] = to_yuva(image)
        return self._patches[key]

    def _back_patch(self) -> YuvaPatch:
        key = ("back",)
        if key not in self._patches:
            self._patches[key] = to_yuva(render_back(self.layout.card_w))
        return self._patches[key]

    def _plate_patch(self, sv: SeatView) -> YuvaPatch:
        key = ("plate", sv.name, sv.stack, sv.last_action, sv.folded, sv.is_button, sv.bet)
        if key in self._patches:
            return self._patches[key]
        pw, ph = self.layout.plate_size()
        image = Image.new("RGBA", (pw, ph), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        fill = (40, 40, 48, 235) if sv.folded else (12, 16, 40, 240)
        draw.rounded_rectangle([0, 0, pw - 1, ph - 1], radius=ph // 5, fill=fill, outline=(200, 170, 60, 255))
        big, small = _font("DejaVuSans-Bold.ttf", int(ph * 0.3)), _font("DejaVuSans.ttf", int(ph * 0.24))
        ink = (140, 140, 140, 255) if sv.folded else (245, 245, 245, 255)
        draw.text((ph * 0.2, ph * 0.08), sv.name[:16], font=big, fill=ink)
        draw.text((ph * 0.2, ph * 0.45), f"{sv.stack:,}", font=small, fill=(240, 200, 80, 255))
        if sv.last_action:
            draw.text((pw - ph * 0.2, ph * 0.45), sv.last_action[:14], font=small, fill=ink, anchor="ra")
        if sv.is_button:
            r = ph * 0.18
            draw.ellipse([pw - 2.4 * r, ph * 0.06, pw - 0.4 * r, ph * 0.06 + 2 * r], fill=(250, 250, 250, 255))
        patch = to_yuva(image)
        if len(self._patches) > 4000:  # stacks change every hand: bound the cache
            self._patches.clear()
        self._patches[key] = patch
        return patch

    def _chips_patch(self, amount: int) -> YuvaPatch:
        key = ("chips", amount)
        if key not in self._patches:
            size = max(12, self.layout.card_w // 2) & ~1
            font = _font("DejaVuSans-Bold.ttf", int(size * 0.45))
            image = Image.new("RGBA", (size * 4, size), (0, 0, 0, 0))
            draw = ImageDraw.Draw(image)
            for i in range(3):
                y = size * 0.1 + i * size * 0.12
                draw.ellipse([2, y, size - 2, y + size * 0.6], fill=(190, 30, 40, 255), outline=(240, 240, 240, 255))
            draw.text((size + 2, size * 0.5), f"{amount:,}", font=font, fill=(250, 250, 250, 255), anchor="lm")
            self._patches[key] = to_yuva(image)
        return self._patches[key]

    def update(self, view: TableView | None) -> None:
        """Redraw the dynamic layer for a new table view (None: an empty table between hands)."""
        planes = [p.copy() for p in self.background]
        lay = self.layout
        visible: list[tuple[str, int, str]] = []
        text_boxes: list[tuple[int, int, int, int]] = []
        if view is not None:
            any_folded = False
            for seat, sv in view.seats.items():
                if self.name_plates:
                    px, py = lay.plate_origin(seat)
                    blit(planes, self._plate_patch(sv), px, py)
                    text_boxes.append((px, py, *lay.plate_size()))
                any_folded |= sv.folded
                if not sv.folded and self.hole_cards != "hidden":
                    x, y = lay.seat_cards_origin(seat)
                    pitch = hole_card_pitch(len(sv.hole_cards), lay.card_w, lay.gap)  # all inside the seat zone
                    for i, card in enumerate(sv.hole_cards):
                        patch = self._card_patch(card) if self.hole_cards == "up" else self._back_patch()
                        cx = x + i * pitch - (patch.width - lay.card_w) // 2
                        blit(planes, patch, cx, y - (patch.height - lay.card_h) // 2)
                        if self.hole_cards == "up":
                            visible.append(("seat", seat, card))
                if sv.bet:
                    c, s, _ = lay.seat_points[seat]
                    blit(planes, self._chips_patch(sv.bet), int(lay.cx + c * lay.rx * 0.45 - lay.card_w),
                         int(lay.cy + s * lay.ry * 0.4))
            bx, by = lay.board_origin()
            for i, card in enumerate(view.board):
                patch = self._card_patch(card)
                blit(planes, patch, bx + i * (lay.card_w + lay.gap) - (patch.width - lay.card_w) // 2,
                     by - (patch.height - lay.card_h) // 2)
                visible.append(("board", -1, card))
            if view.pot:
                blit(planes, self._chips_patch(view.pot), int(lay.cx - lay.card_w), int(by - lay.card_h * 0.75))
            if any_folded:
                blit(planes, self._back_patch(), int(lay.cx + 2 * lay.card_w), int(by - 1.25 * lay.card_h))
        else:
            self._angles.clear()
        self.planes = planes
        self.visible = visible
        self.text_boxes = text_boxes

    def frame_planes(self) -> list[np.ndarray]:
        """Fresh copies of the current planes (consumers may draw on them)."""
        return [p.copy() for p in self.planes]
