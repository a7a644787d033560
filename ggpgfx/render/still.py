"""Still images of the overlay (previews, the services' /graphics/render, golden tests) as PNG bytes."""

from __future__ import annotations

import functools
import io
from typing import Any, Literal

import numpy as np
from PIL import Image

from ggpgfx.errors import ConfigError
from ggpgfx.poker.messages import TableState
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.scene import Scene
from ggpgfx.tournament.state import TournamentState

Background = Literal["felt", "transparent", "black"]


@functools.lru_cache(maxsize=8)
def felt(width: int, height: int) -> Image.Image:
    """A dark green radial gradient that stands in for the table camera in previews."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot((xx - width / 2) / width, (yy - height / 2) / height) * 1.6
    shade = np.clip(1.0 - distance, 0.15, 1.0)[..., None]
    base = np.array([22, 92, 58], np.float32)
    rgb = np.clip(base * shade + 6, 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, np.full((height, width), 255, np.uint8)]), "RGBA")


def render_image(state: TableState | None, skin: str = "broadcast", size: tuple[int, int] = (1920, 1080),
                 reveal: str = "delayed", background: Background = "felt", pts: int = 0,
                 tournament: TournamentState | None = None, **options: Any) -> Image.Image:
    """The overlay over a background as a Pillow RGBA image; options are OverlayOptions fields."""
    width, height = int(size[0]), int(size[1])
    if width % 2 or height % 2 or width < 160 or height < 120 or width > 7680 or height > 7680:
        raise ConfigError(f"size {width}x{height}: use even numbers from 160x120 to 7680x7680")
    opts = OverlayOptions(skin=skin, reveal=reveal, animate=False, **options)  # type: ignore[arg-type]
    scene = Scene(opts, width, height)
    scene.set_tournament(tournament, pts)
    if background == "felt":
        canvas = felt(width, height).copy()
    elif background == "black":
        canvas = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    elif background == "transparent":
        canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    else:
        raise ConfigError(f"unknown background {background!r}; use felt, black or transparent")
    for image, x, y, opacity in scene.images(state, pts):
        if opacity < 1.0:
            image = image.copy()
            image.putalpha(image.getchannel("A").point(lambda v, k=opacity: int(v * k)))
        paste_clipped(canvas, image, x, y)
    return canvas


def paste_clipped(canvas: Image.Image, image: Image.Image, x: int, y: int) -> None:
    """alpha_composite that tolerates images hanging off the canvas edges."""
    left, top = max(0, -x), max(0, -y)
    right, bottom = min(image.width, canvas.width - x), min(image.height, canvas.height - y)
    if right <= left or bottom <= top:
        return
    canvas.alpha_composite(image.crop((left, top, right, bottom)), (x + left, y + top))


def render_still(state: TableState | None, skin: str = "broadcast", size: tuple[int, int] = (1920, 1080),
                 reveal: str = "delayed", **options: Any) -> bytes:
    """Render the overlay for a TableState as PNG bytes (felt background unless `background=` says otherwise)."""
    image = render_image(state, skin, size, reveal, **options)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
