"""Playing-card renderer: several deck styles (fonts, index layouts, colours, four-colour decks) with Pillow."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from ggpgfx.errors import ConfigError

FONTS_DIR = Path(__file__).parent / "fonts"
SUIT_GLYPHS = {"c": "\u2663", "d": "\u2666", "h": "\u2665", "s": "\u2660"}
CARD_ASPECT = 88 / 63  # poker size: 63 x 88 mm

RGB = tuple[int, int, int]
IndexLayout = Literal["stacked", "jumbo", "side"]
Centre = Literal["pips", "big", "plain"]


@dataclass(frozen=True)
class DeckStyle:
    """How a deck looks: fonts, index layout, suit colours, face colour and centre art."""

    name: str
    rank_font: str = "DejaVuSans-Bold.ttf"
    suit_font: str = "DejaVuSans.ttf"
    index_layout: IndexLayout = "stacked"
    four_colour: bool = False
    face: RGB = (250, 250, 250)
    border: RGB = (150, 150, 150)
    red: RGB = (200, 20, 30)
    black: RGB = (20, 20, 20)
    club: RGB = (10, 130, 40)  # four-colour decks only
    diamond: RGB = (20, 60, 200)  # four-colour decks only
    ten: str = "10"
    centre: Centre = "pips"
    index_scale: float = 1.0
    pip_scale: float = 1.0  # size of the centre pips

    def suit_colour(self, suit: str) -> RGB:
        """Ink colour of a suit in this deck."""
        if self.four_colour and suit == "c":
            return self.club
        if self.four_colour and suit == "d":
            return self.diamond
        return self.red if suit in "dh" else self.black


#: Styles used to train the classifier.
TRAIN_STYLES: dict[str, DeckStyle] = {s.name: s for s in [
    DeckStyle("classic"),
    DeckStyle("broadcast", index_layout="jumbo", four_colour=True, centre="big", ten="10"),
    DeckStyle("casino", rank_font="DejaVuSerif-Bold.ttf", suit_font="DejaVuSerif.ttf", face=(246, 240, 226),
              red=(170, 10, 20), black=(30, 30, 40)),
    DeckStyle("mono", rank_font="DejaVuSansMono-Bold.ttf", suit_font="DejaVuSansMono.ttf", index_layout="side",
              ten="T", centre="plain"),
    DeckStyle("condensed", rank_font="DejaVuSansCondensed-Bold.ttf", index_layout="jumbo", four_colour=True,
              club=(0, 110, 0), diamond=(0, 80, 220), ten="T", centre="plain"),
    DeckStyle("light", rank_font="DejaVuSans.ttf", face=(255, 255, 255), border=(90, 90, 90), index_scale=0.9),
    DeckStyle("bold", rank_font="DejaVuSans-Bold.ttf", suit_font="DejaVuSans-Bold.ttf", index_layout="side",
              face=(248, 248, 244), ten="10", centre="big"),
]}

#: Styles never seen in training: the accuracy test renders these.
HELD_OUT_STYLES: dict[str, DeckStyle] = {s.name: s for s in [
    DeckStyle("serif-condensed", rank_font="DejaVuSerifCondensed-Bold.ttf", suit_font="DejaVuSerif.ttf",
              four_colour=True, face=(252, 248, 236), club=(20, 120, 60), diamond=(30, 90, 190)),
    DeckStyle("serif-side", rank_font="DejaVuSerif.ttf", suit_font="DejaVuSerif-Bold.ttf", index_layout="side",
              red=(220, 40, 40), black=(0, 0, 0), ten="10", centre="big"),
    DeckStyle("mono-jumbo", rank_font="DejaVuSansMono.ttf", suit_font="DejaVuSans-Bold.ttf", index_layout="jumbo",
              face=(240, 244, 250), red=(190, 0, 60), black=(30, 30, 60), ten="T", index_scale=0.95),
]}

ALL_STYLES = {**TRAIN_STYLES, **HELD_OUT_STYLES}


def get_style(name: str) -> DeckStyle:
    """A deck style by name (train or held-out)."""
    try:
        return ALL_STYLES[name]
    except KeyError:
        raise ConfigError(f"unknown deck style {name!r}; known: {', '.join(ALL_STYLES)}") from None


@lru_cache(maxsize=1024)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A shipped font by file name, or any font by absolute path (the training font pool), at a pixel size."""
    return ImageFont.truetype(str(FONTS_DIR / name), max(4, size))


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont,
          fill: RGB, anchor: str = "lt", max_width: float | None = None) -> None:
    if max_width is not None:
        width = draw.textlength(text, font=font)
        if width > max_width:  # squeeze "10" and wide glyphs into the index column
            font = _font(str(font.path), int(font.size * max_width / width))
    draw.text(xy, text, font=font, fill=fill, anchor=anchor)


def _draw_index(image: Image.Image, card: str, style: DeckStyle) -> None:
    """Draw the top-left index; the bottom-right one is the same image turned 180 degrees."""
    w, h = image.size
    draw = ImageDraw.Draw(image)
    rank, suit = card[0], card[1]
    label = style.ten if rank == "T" else rank
    colour = style.suit_colour(suit)
    k = style.index_scale
    if style.index_layout == "stacked":
        rank_font = _font(style.rank_font, int(0.25 * w * k))
        suit_font = _font(style.suit_font, int(0.22 * w * k))
        cx = 0.14 * w
        _text(draw, (cx, 0.035 * h), label, rank_font, colour, "mt", max_width=0.23 * w)
        _text(draw, (cx, 0.035 * h + 0.25 * w * k), SUIT_GLYPHS[suit], suit_font, colour, "mt")
    elif style.index_layout == "jumbo":
        rank_font = _font(style.rank_font, int(0.36 * w * k))
        suit_font = _font(style.suit_font, int(0.27 * w * k))
        cx = 0.19 * w
        _text(draw, (cx, 0.02 * h), label, rank_font, colour, "mt", max_width=0.34 * w)
        _text(draw, (cx, 0.02 * h + 0.35 * w * k), SUIT_GLYPHS[suit], suit_font, colour, "mt")
    else:  # side: rank then suit on one line
        rank_font = _font(style.rank_font, int(0.24 * w * k))
        suit_font = _font(style.suit_font, int(0.2 * w * k))
        _text(draw, (0.05 * w, 0.04 * h), label, rank_font, colour, "lt", max_width=0.2 * w)
        _text(draw, (0.27 * w, 0.05 * h), SUIT_GLYPHS[suit], suit_font, colour, "lt")


# Pip positions (x, y) in a unit box for ranks 2..10; the box spans the card's centre area.
_PIPS: dict[str, list[tuple[float, float]]] = {
    "2": [(0.5, 0.0), (0.5, 1.0)],
    "3": [(0.5, 0.0), (0.5, 0.5), (0.5, 1.0)],
    "4": [(0, 0), (1, 0), (0, 1), (1, 1)],
    "5": [(0, 0), (1, 0), (0.5, 0.5), (0, 1), (1, 1)],
    "6": [(0, 0), (1, 0), (0, 0.5), (1, 0.5), (0, 1), (1, 1)],
    "7": [(0, 0), (1, 0), (0.5, 0.25), (0, 0.5), (1, 0.5), (0, 1), (1, 1)],
    "8": [(0, 0), (1, 0), (0.5, 0.25), (0, 0.5), (1, 0.5), (0.5, 0.75), (0, 1), (1, 1)],
    "9": [(0, 0), (1, 0), (0, 1 / 3), (1, 1 / 3), (0.5, 0.5), (0, 2 / 3), (1, 2 / 3), (0, 1), (1, 1)],
    "T": [(0, 0), (1, 0), (0.5, 1 / 6), (0, 1 / 3), (1, 1 / 3), (0, 2 / 3), (1, 2 / 3), (0.5, 5 / 6), (0, 1),
          (1, 1)],
}


def _draw_centre(image: Image.Image, card: str, style: DeckStyle) -> None:
    w, h = image.size
    draw = ImageDraw.Draw(image)
    rank, suit = card[0], card[1]
    colour = style.suit_colour(suit)
    glyph = SUIT_GLYPHS[suit]
    if style.centre == "plain":
        return
    if rank in "JQK":
        draw.rectangle([0.3 * w, 0.22 * h, 0.7 * w, 0.78 * h], outline=colour, width=max(1, w // 60))
        _text(draw, (0.5 * w, 0.42 * h), rank, _font(style.rank_font, int(0.3 * w)), colour, "mm")
        _text(draw, (0.5 * w, 0.64 * h), glyph, _font(style.suit_font, int(0.22 * w)), colour, "mm")
        return
    if rank == "A" or style.centre == "big":
        _text(draw, (0.5 * w, 0.52 * h), glyph, _font(style.suit_font, int(0.42 * w)), colour, "mm")
        return
    font = _font(style.suit_font, int(0.16 * w * style.pip_scale))
    x0, x1, y0, y1 = 0.38 * w, 0.62 * w, 0.24 * h, 0.76 * h
    for px, py in _PIPS[rank]:
        _text(draw, (x0 + px * (x1 - x0), y0 + py * (y1 - y0)), glyph, font, colour, "mm")


def card_size(width: int) -> tuple[int, int]:
    """Pixel size (w, h) of a card `width` pixels wide."""
    return width, round(width * CARD_ASPECT)


def _blank(width: int, face: RGB, border: RGB) -> Image.Image:
    w, h = card_size(width)
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    radius = max(2, round(0.06 * w))
    draw.rounded_rectangle([0, 0, w - 1, h - 1], radius=radius, fill=(*face, 255), outline=(*border, 255),
                           width=max(1, w // 80))
    return image


@lru_cache(maxsize=1024)
def render_card(card: str, style: DeckStyle, width: int = 120) -> Image.Image:
    """An RGBA image of a face-up card (transparent outside the rounded corners). Cached: do not modify."""
    if len(card) != 2 or card[0] not in "23456789TJQKA" or card[1] not in "cdhs":
        raise ConfigError(f"bad card {card!r}: expected rank 2-9TJQKA then suit cdhs, e.g. 'Ah'")
    image = _blank(width, style.face, style.border)
    _draw_centre(image, card, style)
    corner = Image.new("RGBA", image.size, (0, 0, 0, 0))
    _draw_index(corner, card, style)
    image.alpha_composite(corner)
    image.alpha_composite(corner.rotate(180))
    return image


@lru_cache(maxsize=16)
def render_back(width: int = 120, colour: RGB = (150, 20, 30)) -> Image.Image:
    """An RGBA image of a card back (diagonal lattice inside a white border)."""
    image = _blank(width, (250, 250, 250), (150, 150, 150))
    w, h = image.size
    draw = ImageDraw.Draw(image)
    m = max(2, w // 14)
    draw.rectangle([m, m, w - 1 - m, h - 1 - m], fill=(*colour, 255))
    step = max(4, w // 10)
    light = tuple(min(255, c + 70) for c in colour)
    for k in range(-h, w + h, step):
        draw.line([(m + k, m), (m + k + h, m + h)], fill=(*light, 255), width=1)
        draw.line([(m + k, m), (m + k - h, m + h)], fill=(*light, 255), width=1)
    draw.rectangle([0, 0, w - 1, m - 1], fill=(250, 250, 250, 255))
    draw.rectangle([0, h - m, w - 1, h - 1], fill=(250, 250, 250, 255))
    draw.rectangle([0, 0, m - 1, h - 1], fill=(250, 250, 250, 255))
    draw.rectangle([w - m, 0, w - 1, h - 1], fill=(250, 250, 250, 255))
    mask = _blank(width, (0, 0, 0), (0, 0, 0)).getchannel("A")
    image.putalpha(mask)
    return image
