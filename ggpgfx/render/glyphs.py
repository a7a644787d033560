"""Glyphs a skin's font lacks: a text is cut into runs, each drawn in a font that has its characters.

The bundled skins use DejaVu, which has Latin, Greek, Cyrillic, Hebrew and Arabic but no Chinese, Japanese or
Korean: a player named 周润发 or 김민수 came out as empty boxes on air. Characters the skin's font lacks are
drawn in Droid Sans Fallback (bundled, `fonts/`, Apache-2.0), which has CJK ideographs, kana and Hangul but no
Latin, so a mixed name ("周润发 Chow") is two runs on one baseline. What neither font has stays in the skin's
font (its missing-glyph box), as before.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FALLBACK_FONT = Path(__file__).parent / "fonts" / "DroidSansFallback.ttf"


@functools.lru_cache(maxsize=32)
def codepoints(path: str) -> frozenset[int]:
    """The characters a font file has glyphs for (empty when the file cannot be read)."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # an unreadable font has no glyphs to offer: its text stays in the skin's font
        return frozenset()


@functools.lru_cache(maxsize=32)
def _fallback(size: int) -> ImageFont.FreeTypeFont:
    """The fallback font at a pixel size (cached: loading the 3.4 MB face costs milliseconds)."""
    return ImageFont.truetype(str(FALLBACK_FONT), size)


def runs(face: ImageFont.FreeTypeFont, value: str) -> list[tuple[ImageFont.FreeTypeFont, str]]:
    """`value` as (font, text) runs: the skin's `face` wherever it has the character or the fallback lacks
    it, else the fallback font at the same size."""
    if value.isascii():
        return [(face, value)]
    own = codepoints(str(face.path))
    if all(ord(c) in own for c in value):
        return [(face, value)]
    spare = codepoints(str(FALLBACK_FONT))
    fallback = _fallback(int(face.size)) if spare else face
    pieces: list[tuple[ImageFont.FreeTypeFont, str]] = []
    for char in value:
        chosen = fallback if ord(char) not in own and ord(char) in spare and not char.isspace() else face
        if pieces and pieces[-1][0] is chosen:
            pieces[-1] = (chosen, pieces[-1][1] + char)
        else:
            pieces.append((chosen, char))
    return pieces


def length(pieces: list[tuple[ImageFont.FreeTypeFont, str]]) -> float:
    """The advance width of runs drawn one after another."""
    return sum(face.getlength(text) for face, text in pieces)


def mask(pieces: list[tuple[ImageFont.FreeTypeFont, str]], anchor: str) -> tuple[Image.Image, tuple[int, int]]:
    """Coverage of runs on one baseline, and its top-left's offset from the anchor point (Pillow's anchors: the
    horizontal one over the whole advance, the vertical one from the first run's font, the skin's)."""
    placed = []  # (face, text, x of its origin, its box relative to its baseline origin)
    x = 0.0
    for face, text in pieces:
        placed.append((face, text, x, face.getbbox(text, anchor="ls")))
        x += face.getlength(text)
    left = min(int(ox + box[0]) for _, _, ox, box in placed)
    top = min(int(box[1]) for *_, box in placed)
    right = max(int(ox + box[2]) for _, _, ox, box in placed)
    bottom = max(int(box[3]) for *_, box in placed)
    out = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    drawer = ImageDraw.Draw(out)
    for face, text, ox, _ in placed:
        drawer.text((ox - left, -top), text, font=face, fill=255, anchor="ls")
    ascent, descent = pieces[0][0].getmetrics()
    ax = {"l": 0.0, "m": x / 2, "r": x}.get(anchor[0], 0.0)
    ay = {"a": -ascent, "t": top, "m": (descent - ascent) / 2, "s": 0.0, "b": bottom, "d": descent}.get(
        anchor[1] if len(anchor) > 1 else "a", -ascent)
    return out, (int(round(left - ax)), int(round(top - ay)))
