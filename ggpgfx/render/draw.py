"""Drawing primitives on Pillow RGBA images: anti-aliased shapes from cached masks, fitted text, cards."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont
from PIL.Image import core as _imaging

from ggpgfx.render import glyphs
from ggpgfx.render.skins import Skin

#: Shapes are drawn at this multiple and reduced, because Pillow's own shapes are not anti-aliased.
SUPERSAMPLE = 4
SUIT_GLYPHS = {"s": "\u2660", "h": "\u2665", "d": "\u2666", "c": "\u2663"}
RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Drawn:
    """One thing an element drew, in the element's pixels: what the on-air audit checks (not OCR).

    kind is text, panel or card; role says what a text stands for (name, amount, percent, pot, blinds,
    ...); value is the text as drawn (after any ellipsis) or the card code ("" for a card back).
    """

    kind: str
    box: tuple[int, int, int, int]  # x, y, w, h
    value: str = ""
    role: str = ""

    def moved(self, dx: int, dy: int) -> Drawn:
        """The same record placed dx, dy further (element pixels to frame pixels)."""
        x, y, w, h = self.box
        return Drawn(self.kind, (x + dx, y + dy, w, h), self.value, self.role)


_RECORDS = threading.local()  # overlays run on several threads: each keeps its own record stack


@contextmanager
def recording() -> Iterator[list[Drawn]]:
    """Collect what the drawing calls inside the block draw (the layout's own record of what it drew)."""
    stack: list[list[Drawn]] = _RECORDS.__dict__.setdefault("stack", [])
    items: list[Drawn] = []
    stack.append(items)
    try:
        yield items
    finally:
        stack.pop()


def _record(kind: str, box: tuple[int, int, int, int], value: str = "", role: str = "") -> None:
    stack = getattr(_RECORDS, "stack", None)
    if stack:
        stack[-1].append(Drawn(kind, (int(box[0]), int(box[1]), int(box[2]), int(box[3])), value, role))


def rgba(color: str, alpha: float = 1.0) -> RGBA:
    """`#rrggbb[aa]` as an RGBA tuple, with an extra alpha factor."""
    value = ImageColor.getcolor(color, "RGBA")
    assert isinstance(value, tuple)
    r, g, b, a = value
    return (r, g, b, int(round(a * alpha)))


@functools.lru_cache(maxsize=256)
def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A FreeType font at a pixel size (cached: loading a face costs ~1 ms)."""
    return ImageFont.truetype(str(path), max(6, size))


@functools.lru_cache(maxsize=512)
def rounded_mask(width: int, height: int, radius: int) -> Image.Image:
    """An anti-aliased rounded-rectangle coverage mask ('L'), supersampled then reduced."""
    width, height = max(1, width), max(1, height)
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    r = max(0, min(radius, width // 2, height // 2)) * SUPERSAMPLE
    ImageDraw.Draw(big).rounded_rectangle((0, 0, big.width - 1, big.height - 1), radius=r, fill=255)
    return big.reduce(SUPERSAMPLE)


@functools.lru_cache(maxsize=128)
def ellipse_mask(width: int, height: int) -> Image.Image:
    """An anti-aliased ellipse coverage mask ('L')."""
    big = Image.new("L", (max(1, width) * SUPERSAMPLE, max(1, height) * SUPERSAMPLE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.reduce(SUPERSAMPLE)


_TINTS: dict[tuple[int, RGBA], tuple[Image.Image, Image.Image]] = {}


def tinted(mask: Image.Image, color: RGBA) -> Image.Image:
    """A solid colour with the mask as alpha; cached per (mask, colour) since skins reuse a few shapes."""
    key = (id(mask), color)
    hit = _TINTS.get(key)
    if hit is not None and hit[0] is mask:
        return hit[1]
    solid = Image.new("RGBA", mask.size, color)
    solid.putalpha(mask if color[3] == 255 else mask.point(lambda v: v * color[3] // 255))
    if len(_TINTS) > 2048:
        _TINTS.clear()
    _TINTS[key] = (mask, solid)  # the mask is kept alive so its id cannot be reused
    return solid


Op = tuple[Image.Image, int, int]  # an overlay composited at (x, y)


class Held:
    """The composites onto one element's canvas, held back until the drawing is done (`deferred`)."""

    def __init__(self) -> None:
        self.canvas: Image.Image | None = None
        self.ops: list[Op] = []
        self.live = True  # False once done: later composites onto the canvas happen at once
        #: after `finish` with the last drawing: the bounding box (x0, y0, x1, y1) of the pixels that may
        #: differ from it ((0, 0, 0, 0): none); None when it was drawn in full
        self.dirty: tuple[int, int, int, int] | None = None


_DEFERRED = threading.local()


@contextmanager
def deferred() -> Iterator[Held]:
    """Hold back the composites onto the first `canvas()` made inside the block (an element's drawing), so
    `finish` can do only those that differ from the element's last drawing. Drawing code that reads or
    changes the canvas's pixels other than through this module calls `flush(canvas)` first."""
    held = Held()
    outer = getattr(_DEFERRED, "ops", None)
    _DEFERRED.ops = held
    try:
        yield held
    finally:
        _DEFERRED.ops = outer


def canvas(width: int, height: int) -> Image.Image:
    """A transparent RGBA canvas for an element's drawing (the one `deferred()` holds composites for)."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    held = getattr(_DEFERRED, "ops", None)
    if held is not None and held.canvas is None and held.live:
        held.canvas = image
    return image


def flush(image: Image.Image) -> None:
    """Do the composites held back for `image` now; from here on they happen at once (not replayable)."""
    held = getattr(_DEFERRED, "ops", None)
    if held is not None and held.live and held.canvas is image:
        held.live = False
        for overlay, x, y in held.ops:
            _composite(image, overlay, (x, y))
        held.ops = []


def finish(image: Image.Image, held: Held, before: tuple[Image.Image, list[Op]] | None = None) -> list[Op] | None:
    """Complete a drawing made under `deferred()`: its held-back composites, or, given the same element's
    last drawing (image and ops) with as many ops, its pixels with only the boxes of the ops that differ
    drawn again (every op in them, clipped: a pixel outside them is covered by the same ops in the same
    order as before, so it keeps its value). Returns the ops to pass as `before` next time (None: drawn
    directly, nothing to compare)."""
    if held.canvas is None or not held.live:
        return None
    if held.canvas is not image:  # the element returned another picture: the canvas is done as drawn
        flush(held.canvas)
        return None
    held.live = False
    ops = held.ops
    if before is None or len(before[1]) != len(ops) or before[0].size != image.size:
        for overlay, x, y in ops:
            _composite(image, overlay, (x, y))
        return ops
    width, height = image.size
    damaged: list[tuple[int, int, int, int]] = []
    for (old, ox, oy), (new, nx, ny) in zip(before[1], ops, strict=True):
        if old is new and ox == nx and oy == ny:
            continue
        for overlay, x, y in ((old, ox, oy), (new, nx, ny)):
            box = (max(0, x), max(0, y), min(width, x + overlay.width), min(height, y + overlay.height))
            if box[0] < box[2] and box[1] < box[3]:
                damaged.append(box)
    image.im.paste(before[0].im, (0, 0, width, height))
    held.dirty = (min(b[0] for b in damaged), min(b[1] for b in damaged), max(b[2] for b in damaged),
                  max(b[3] for b in damaged)) if damaged else (0, 0, 0, 0)
    for x0, y0, x1, y1 in damaged:
        image.paste((0, 0, 0, 0), (x0, y0, x1, y1))
        for overlay, x, y in ops:
            ix0, iy0 = max(x, x0), max(y, y0)
            ix1, iy1 = min(x + overlay.width, x1), min(y + overlay.height, y1)
            if ix0 >= ix1 or iy0 >= iy1:
                continue
            if (ix0, iy0, ix1, iy1) == (x, y, x + overlay.width, y + overlay.height):
                _composite(image, overlay, (x, y))
            else:
                _composite(image, overlay.crop((ix0 - x, iy0 - y, ix1 - x, iy1 - y)), (ix0, iy0), reused=False)
    return ops


def over(image: Image.Image, overlay: Image.Image, xy: tuple[int, int]) -> None:
    """`image.alpha_composite(overlay, dest=xy)`: at once, or held back while `image` is the canvas of an
    element drawing made under `deferred()` (then `finish` does it, or skips it when nothing changed there)."""
    held = getattr(_DEFERRED, "ops", None)
    if held is not None and held.live:
        if image is held.canvas:
            held.ops.append((overlay, int(xy[0]), int(xy[1])))
            return
        if overlay is held.canvas:  # the canvas used as a picture: its pixels must be there first
            flush(held.canvas)
    _composite(image, overlay, xy)


def _composite(image: Image.Image, overlay: Image.Image, xy: tuple[int, int], reused: bool = True) -> None:
    """`image.alpha_composite(overlay, dest=xy)` (same bytes, same clipping at the edges) without Pillow's
    Python wrapper around it: a redraw composites dozens of small texts and shapes, and the wrapper's checks,
    lazy loads and Image objects cost more than the compositing of those few pixels itself. `reused`: the
    overlay is a cached one (its composite over a blank canvas may be kept)."""
    x, y = int(xy[0]), int(xy[1])
    if (type(image) is not Image.Image or type(overlay) is not Image.Image or image.mode != "RGBA"
            or overlay.mode != "RGBA" or x < 0 or y < 0 or image.readonly):
        # files not loaded yet, other modes, negative offsets, read-only buffers: Pillow's own path
        image.alpha_composite(overlay, dest=(x, y))
        return
    box = (x, y, x + overlay.width, y + overlay.height)
    target = image.im
    under = target.crop(box)
    if reused and under.getbbox(False) is None:
        # nothing there yet (an element's background panel on its fresh canvas): the result is the overlay
        # composited over transparency, computed once per overlay, so this is a copy instead of a blend
        target.paste(_over_blank(overlay), box)
        return
    target.paste(_imaging.alpha_composite(under, overlay.im), box)


_OVER_BLANK: dict[int, tuple[Image.Image, object]] = {}


def _over_blank(overlay: Image.Image) -> object:
    """Pillow's own composite of `overlay` over an all-zero image of its size (cached per overlay object)."""
    hit = _OVER_BLANK.get(id(overlay))
    if hit is not None and hit[0] is overlay:
        return hit[1]
    result = _imaging.alpha_composite(Image.new("RGBA", overlay.size, (0, 0, 0, 0)).im, overlay.im)
    if len(_OVER_BLANK) > 2048:
        _OVER_BLANK.clear()
    _OVER_BLANK[id(overlay)] = (overlay, result)  # the overlay is kept alive so its id cannot be reused
    return result


def fill_mask(image: Image.Image, mask: Image.Image, color: RGBA, xy: tuple[int, int]) -> None:
    """Composite a solid colour through a coverage mask onto `image` at xy (source-over)."""
    if color[3] == 0:
        return
    over(image, tinted(mask, color), xy)


def panel(image: Image.Image, box: tuple[int, int, int, int], fill: RGBA, radius: int,
          border: RGBA | None = None, border_px: int = 0) -> None:
    """A rounded panel with an optional inner border; box is (x, y, w, h)."""
    x, y, w, h = box
    _record("panel", box)
    if border is not None and border_px > 0 and border[3] > 0:
        # border and fill composed once per size and colours: one composite of the panel's area per redraw
        over(image, _bordered_panel(w, h, radius, fill, border, border_px), (x, y))
    else:
        fill_mask(image, rounded_mask(w, h, radius), fill, (x, y))


@functools.lru_cache(maxsize=256)
def _bordered_panel(w: int, h: int, radius: int, fill: RGBA, border: RGBA, border_px: int) -> Image.Image:
    """A rounded panel with its inner border, on transparency (cached: panels repeat on every redraw)."""
    out = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
    fill_mask(out, rounded_mask(w, h, radius), border, (0, 0))
    inner = rounded_mask(w - 2 * border_px, h - 2 * border_px, max(0, radius - border_px))
    fill_mask(out, inner, fill, (border_px, border_px))
    return out


@functools.lru_cache(maxsize=8192)
def text_length(face: ImageFont.FreeTypeFont, value: str) -> float:
    """`face.getlength(value)` (characters `face` lacks measured in the fallback font, `glyphs.runs`), cached:
    every redraw measures the same names, amounts and labels again."""
    pieces = glyphs.runs(face, value)
    return face.getlength(value) if len(pieces) == 1 and pieces[0][0] is face else glyphs.length(pieces)


@functools.lru_cache(maxsize=4096)
def fit_font(path: Path, text: str, size: int, max_width: int, min_size: int = 8) -> ImageFont.FreeTypeFont:
    """The largest font no bigger than `size` in which `text` fits `max_width` (down to `min_size`; cached:
    the same names and amounts are fitted on every redraw)."""
    face = font(path, size)
    while size > min_size and text_length(face, text) > max_width:
        size -= 1
        face = font(path, size)
    return face


def caption_forms(name: str) -> list[str]:
    """A name and the shorter forms captions use when it is too long, longest first: "ARISTEIDIS MOSCHONAS",
    "A. MOSCHONAS", "MOSCHONAS" (a one-word name has only itself)."""
    parts = name.split()
    return [name, f"{parts[0][0]}. {parts[-1]}", parts[-1]] if len(parts) > 1 else [name]


def caption(face: ImageFont.FreeTypeFont, name: str, max_width: int) -> str:
    """The longest of a name's `caption_forms` that fits `max_width` in `face`, else the whole name (which
    `text` then cuts with an ellipsis)."""
    return next((form for form in caption_forms(name) if text_length(face, form) <= max_width), name)


def text(image: Image.Image, xy: tuple[float, float], value: str, face: ImageFont.FreeTypeFont,
         fill: RGBA, anchor: str = "lm", max_width: int | None = None, role: str = "") -> None:
    """Draw text; when it is wider than max_width it is cut with an ellipsis rather than clipped.

    `role` says what the text stands for in the draw record (name, amount, percent, ...)."""
    if max_width is not None and text_length(face, value) > max_width:
        while value and text_length(face, value + "\u2026") > max_width:
            value = value[:-1]
        value = value.rstrip() + "\u2026"
    if not value or fill[3] == 0:
        return
    mask, (dx, dy) = text_mask(face, value, anchor)
    x, y = int(round(xy[0])) + dx, int(round(xy[1])) + dy
    _record("text", (x, y, mask.width, mask.height), value, role)
    fill_mask(image, mask, fill, (x, y))


@functools.lru_cache(maxsize=4096)
def text_mask(face: ImageFont.FreeTypeFont, value: str, anchor: str) -> tuple[Image.Image, tuple[int, int]]:
    """Anti-aliased coverage of a string and its offset from the anchor point (cached: names and amounts
    repeat on every redraw, and FreeType rendering is most of a redraw's cost). Characters `face` lacks are
    drawn in the fallback font (`glyphs.runs`)."""
    pieces = glyphs.runs(face, value)
    if len(pieces) > 1 or pieces[0][0] is not face:
        return glyphs.mask(pieces, anchor)
    left, top, right, bottom = (int(v) for v in face.getbbox(value, anchor=anchor))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), value, font=face, fill=255, anchor=anchor)
    return mask, (left, top)


def pill(image: Image.Image, box: tuple[int, int, int, int], label: str, fill: RGBA, ink: RGBA,
         font_path: Path, role: str = "") -> None:
    """A rounded badge with centred text (action badges, ALL IN, timers)."""
    x, y, w, h = box
    _record("panel", box)
    fill_mask(image, rounded_mask(w, h, h // 2), fill, (x, y))
    face = fit_font(font_path, label, int(h * 0.62), w - h // 2)
    text(image, (x + w / 2, y + h / 2), label, face, ink, anchor="mm", role=role)


def card(image: Image.Image, box: tuple[int, int, int, int], code: str | None, skin: Skin,
         face_up: bool = True, index_w: int = 0) -> None:
    """A playing card: rank over suit in the four-colour deck, or the back when face_up is False.

    With `index_w` (fanned Omaha hands) rank and suit go in a left strip that wide, like a card's corner.
    """
    x, y, w, h = box
    radius = max(2, w // 8)
    _record("card", box, code if face_up and code is not None else "")
    over(image, _card_image(w, h, code if face_up else None, skin, index_w, radius), (x, y))


_CARDS: dict[tuple[object, ...], Image.Image] = {}


def _card_image(w: int, h: int, code: str | None, skin: Skin, index_w: int, radius: int) -> Image.Image:
    """A card drawn once per size, code and colours and reused: one composite per card on every redraw of a
    player box or the board instead of four fills and two texts."""
    suit = code[1].lower() if code else ""
    key = (w, h, code, index_w, radius, skin.color("card_edge"), skin.color("card_back"),
           skin.color("card_back_pattern"), skin.color("card_face"), skin.suit_colors.get(suit, ""),
           skin.font_path("bold"))
    cached = _CARDS.get(key)
    if cached is None:
        cached = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
        with recording():  # a card is one record: its rank and suit are not separate texts
            _card(cached, (0, 0, w, h), code, skin, code is not None, index_w, radius)
        if len(_CARDS) > 1024:
            _CARDS.clear()
        _CARDS[key] = cached
    return cached


def _card(image: Image.Image, box: tuple[int, int, int, int], code: str | None, skin: Skin,
          face_up: bool, index_w: int, radius: int) -> None:
    x, y, w, h = box
    fill_mask(image, rounded_mask(w, h, radius), rgba(skin.color("card_edge")), (x, y))
    if not face_up or code is None:
        fill_mask(image, rounded_mask(w - 2, h - 2, radius - 1), rgba(skin.color("card_back")), (x + 1, y + 1))
        inset = max(3, w // 7)
        fill_mask(image, rounded_mask(w - 2 * inset, h - 2 * inset, max(1, radius - inset // 2)),
                  rgba(skin.color("card_back_pattern")), (x + inset, y + inset))
        return
    fill_mask(image, rounded_mask(w - 2, h - 2, radius - 1), rgba(skin.color("card_face")), (x + 1, y + 1))
    rank, suit = code[0].upper(), code[1].lower()
    ink = rgba(skin.suit_colors.get(suit, "#000000"))
    rank_text = "10" if rank == "T" else rank
    bold = skin.font_path("bold")
    if index_w:
        corner = fit_font(bold, rank_text, int(h * 0.34), index_w - 2)
        text(image, (x + 1 + index_w / 2, y + h * 0.24), rank_text, corner, ink, anchor="mm")
        text(image, (x + 1 + index_w / 2, y + h * 0.56), SUIT_GLYPHS.get(suit, "?"),
             font(bold, min(int(h * 0.3), int(index_w * 1.1))), ink, anchor="mm")
        return
    rank_face = fit_font(bold, rank_text, int(h * 0.5), int(w * 0.86))
    text(image, (x + w / 2, y + h * 0.33), rank_text, rank_face, ink, anchor="mm")
    suit_face = font(bold, int(h * 0.42))
    text(image, (x + w / 2, y + h * 0.74), SUIT_GLYPHS.get(suit, "?"), suit_face, ink, anchor="mm")


def card_slot(image: Image.Image, box: tuple[int, int, int, int], skin: Skin) -> None:
    """An empty board position: a faint rounded outline where a card will land."""
    x, y, w, h = box
    fill_mask(image, rounded_mask(w, h, max(2, w // 8)), rgba(skin.color("card_slot")), (x, y))


@functools.lru_cache(maxsize=32)
def load_image(path: Path, width: int, height: int) -> Image.Image | None:
    """An image file fitted into width x height (aspect kept, centred), or None when unreadable. Only a regular
    file is opened (a device or a pipe named as a photo would block or never end)."""
    try:
        if not path.is_file():
            return None
        with Image.open(path) as source:
            picture = source.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    picture.thumbnail((width, height), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.alpha_composite(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    return canvas


def rounded_image(picture: Image.Image, radius: int) -> Image.Image:
    """A copy of an RGBA image clipped to a rounded rectangle."""
    out = picture.copy()
    mask = rounded_mask(picture.width, picture.height, radius)
    alpha = Image.composite(picture.getchannel("A"), Image.new("L", picture.size, 0), mask)
    out.putalpha(alpha)
    return out
