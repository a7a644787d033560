"""Player photos for the overlay: any image file cropped to a square (faces sit high) then to a circle or rounded square."""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from ggpgfx.render import draw

Shape = Literal["circle", "square"]


def crop_square(picture: Image.Image) -> Image.Image:
    """The largest centred square; from a portrait photo the upper part, where the face is."""
    w, h = picture.size
    side = min(w, h)
    left = (w - side) // 2
    top = (h - side) // 2 if h <= w else int((h - side) * 0.2)  # some headroom above the face
    return picture.crop((left, top, left + side, top + side))


@functools.lru_cache(maxsize=64)
def _photo(path: str, mtime: float, size: int, shape: Shape, radius: int) -> Image.Image | None:
    try:
        with Image.open(path) as source:
            picture = ImageOps.exif_transpose(source).convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    picture = crop_square(picture).resize((size, size), Image.Resampling.LANCZOS)
    mask = draw.ellipse_mask(size, size) if shape == "circle" else draw.rounded_mask(size, size, radius)
    alpha = Image.composite(picture.getchannel("A"), Image.new("L", picture.size, 0), mask)
    picture.putalpha(alpha)
    return picture


def photo_image(path: str | None, size: int, shape: Shape = "circle", radius: int = 0) -> Image.Image | None:
    """The photo at `path` as a size x size RGBA circle (or rounded square); None when missing or unreadable."""
    if not path:
        return None
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):  # a device or a pipe would block the renderer or never end
        return None
    mtime = info.st_mtime  # a replaced photo file is read again
    return _photo(str(Path(path)), mtime, max(2, size), shape, radius)
