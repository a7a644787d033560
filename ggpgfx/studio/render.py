"""Re-render one hand of a session: the corrected scene calls replayed over the ISO frames, frame by frame.

With no corrections and the recorded skin and size, every frame is the live program frame: the same
scene calls at the same pts, composited with the same kernel over the same camera pixels (when the ISO
is lossless; with a lossy ISO the graphics are identical and the camera differs by the ISO's coding).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from PIL import Image

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import composite_layers, warm_up
from ggpgfx.render.i18n import LANGUAGES as I18N_LANGUAGES
from ggpgfx.render.i18n import check_lang
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.record import SceneReplay, options_of
from ggpgfx.render.still import paste_clipped
from ggpgfx.studio.session import Hand, Session
from ggpgfx.studio.video import VideoWriter, read_frames

Aspect = Literal["16:9", "9:16", "1:1"]
ASPECTS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
#: languages the overlay can draw its fixed words in (ggpgfx/render/i18n.py)
LANGUAGES = tuple(I18N_LANGUAGES)


@dataclass
class RenderSettings:
    """What a re-render changes from the live look (None: as recorded)."""

    skin: str | None = None
    aspect: Aspect | None = None
    lang: str = "en"
    graphics_only: bool = False
    crf: float = 18.0
    preset: str = "veryfast"
    lossless: bool = False
    #: seconds of scene replay before the hand's first frame, so animations in flight match the live run
    preroll_s: float = 3.0
    threads: int = 0
    #: graphics-only: QuickTime Animation (.mov, ARGB, what editors import with alpha) or an RGBA PNG sequence
    alpha_format: Literal["mov", "png"] = "mov"
    #: graphics-only: draw at this size instead of the recorded one (the layout scales; e.g. 1920x1080)
    size: tuple[int, int] | None = None
    #: graphics-only .mov: seconds between key frames (0.1 to 60; FFmpeg's qtrle default is 12 frames)
    keyint_s: float = 2.0
    #: graphics-only: redraw only what changed since the frame before (False: every frame in full)
    incremental: bool = True

    def check(self) -> None:
        """Refuse what cannot be rendered, with the reason."""
        if self.aspect is not None and self.aspect not in ASPECTS:
            raise ConfigError(f"aspect {self.aspect!r}: use one of {', '.join(ASPECTS)}")
        if self.size is not None and not self.graphics_only:
            raise ConfigError("--size needs --graphics-only (over the ISO the picture keeps the ISO's size)")
        if self.size is not None and (self.size[0] % 2 or self.size[1] % 2 or min(self.size) < 120):
            raise ConfigError(f"--size {self.size[0]}x{self.size[1]}: use even numbers, at least 120")
        if not 0.1 <= self.keyint_s <= 60:
            raise ConfigError(f"key frame interval {self.keyint_s!r} s: use 0.1 to 60 seconds")
        if self.alpha_format not in ("mov", "png"):
            raise ConfigError(f"alpha format {self.alpha_format!r}: use mov or png")
        try:
            check_lang(self.lang)
        except ConfigError as error:
            raise ConfigError(f"--lang: {error}") from None


@dataclass
class ClipResult:
    """One rendered hand."""

    hand: int
    path: str
    frames: int
    seconds: float
    ok: bool = True
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


def crop_box(width: int, height: int, aspect: str | None) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the centred crop of a width x height picture to `aspect` (even numbers)."""
    if aspect is None:
        return 0, 0, width, height
    aw, ah = ASPECTS[aspect]
    if width * ah >= height * aw:  # too wide: keep the height
        w, h = (height * aw // ah) & ~1, height & ~1
    else:
        w, h = width & ~1, (width * ah // aw) & ~1
    return ((width - w) // 2) & ~1, ((height - h) // 2) & ~1, w, h


def crop_frame(frame: VideoFrame, box: tuple[int, int, int, int]) -> VideoFrame:
    """A writable yuv420p copy of the box of a frame (the whole frame when the box is)."""
    x, y, w, h = box
    if (x, y, w, h) == (0, 0, frame.width, frame.height):
        return frame.writable()
    planes = [np.ascontiguousarray(frame.planes[0][y:y + h, x:x + w]),
              np.ascontiguousarray(frame.planes[1][y // 2:(y + h) // 2, x // 2:(x + w) // 2]),
              np.ascontiguousarray(frame.planes[2][y // 2:(y + h) // 2, x // 2:(x + w) // 2])]
    return VideoFrame(planes, "yuv420p", w, h, frame.pts)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:12] or "x"


def clip_name(hand: Hand, settings: RenderSettings | None = None) -> str:
    """hand-0007_Alice-Bob_AhKd-QsQc[_9x16][_skin-NAME][_lang-xx]: the hand number, players (up to four) and the
    hole cards seen (up to four hands), plus what the render changed from the live look."""
    players = "-".join(_slug(p) for p in hand.players[:4]) + ("-etc" if len(hand.players) > 4 else "")
    cards = "-".join("".join(c) for c in list(hand.cards.values())[:4])
    extra = []
    if settings is not None and settings.aspect:
        extra.append(settings.aspect.replace(":", "x"))
    if settings is not None and settings.skin:
        extra.append("skin-" + _slug(Path(settings.skin).name))
    if settings is not None and settings.lang != "en":
        extra.append("lang-" + settings.lang)
    return "_".join(part for part in (f"hand-{hand.number:04d}", players, cards, *extra) if part)


def _options(session: Session, settings: RenderSettings) -> tuple[OverlayOptions, tuple[int, int]]:
    options, size = options_of(session.calls)
    if settings.lang != options.lang:
        options = options.model_copy(update={"lang": settings.lang})
    if settings.skin:
        options = options.model_copy(update={"skin": settings.skin})
    else:
        copy = session.folder / "skins" / Path(str(options.skin)).name
        if (copy / "skin.yaml").is_file():
            options = options.model_copy(update={"skin": str(copy)})  # the skin as it was on the day
    return options, size


def render_hand(folder: str | Path, number: int, out_dir: str | Path, settings: RenderSettings | None = None,
                on_frame: Callable[[int, int], None] | None = None, session: Session | None = None) -> ClipResult:
    """Re-render hand `number` into out_dir (an mp4 over the ISO, or with graphics_only a PNG sequence)."""
    settings = settings or RenderSettings()
    settings.check()
    session = session or Session(folder)
    hand = session.hand(number)
    started = time.perf_counter()
    options, (width, height) = _options(session, settings)
    if settings.size is not None:
        width, height = settings.size
    box = crop_box(width, height, settings.aspect)
    calls = session.corrected_calls()
    replay = SceneReplay(calls, options, box[2], box[3], first_pts=session.first_pts)
    pts = session.frame_pts
    first = max(0, hand.start_frame - round(settings.preroll_s * session.fps))
    replay.skip(int(pts[first]))
    for index in range(first, hand.start_frame):
        replay.update(int(pts[index]))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = clip_name(hand, settings)
    warm_up()
    if settings.graphics_only:
        path = _graphics_only(replay, pts, hand, out / name, box, settings, session.fps, on_frame)
    else:
        path = out / f"{name}.mp4"
        writer = VideoWriter(path.with_name("." + path.name + ".part.mp4"), box[2], box[3], session.fps,
                             crf=settings.crf, preset=settings.preset, lossless=settings.lossless,
                             threads=settings.threads)
        done = 0
        try:
            for index, frame in read_frames(session.iso_path, hand.start_frame, hand.frames):
                picture = crop_frame(frame, box)
                composite_layers(picture, replay.layers(int(pts[index])))
                writer.write(picture)
                done += 1
                if on_frame is not None:
                    on_frame(done, hand.frames)
        finally:
            writer.close()
        if done != hand.frames:
            raise ConfigError(f"hand {number}: the ISO has {done} of the hand's {hand.frames} frames")
        writer.path.replace(path)
    return ClipResult(hand.number, str(path), hand.frames, time.perf_counter() - started, info=hand.as_dict())


def _graphics_canvas(replay: SceneReplay, pts: int, width: int, height: int) -> Image.Image:
    """The frame's elements composited, straight RGBA over transparent (the drawings are straight RGBA)."""
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    for image, x, y, opacity in replay.images(pts):
        if opacity < 1.0:
            image = image.copy()
            image.putalpha(image.getchannel("A").point(lambda v, k=opacity: int(v * k)))
        paste_clipped(canvas, image, x, y)
    return canvas


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


def _blend_over(canvas: np.ndarray, image: np.ndarray, x: int, y: int, opacity: float, order: list[int],
                clip: Box | None = None) -> None:
    """Straight-alpha `image` (h, w, RGBA) over the straight-alpha canvas (H, W, 4 in `order`: the canvas's
    channel index of R, G, B, A) at x, y, clipped to the canvas (and to `clip`)."""
    height, width = canvas.shape[:2]
    x0, y0, x1, y1 = clip if clip is not None else (0, 0, width, height)
    left, top = max(0, x0 - x), max(0, y0 - y)
    right, bottom = min(image.shape[1], x1 - x), min(image.shape[0], y1 - y)
    if right <= left or bottom <= top:
        return
    source = image[top:bottom, left:right]
    target = canvas[y + top:y + bottom, x + left:x + right]
    r, g, b, a = order
    # 16-bit arithmetic is exact here: every product below is at most 255 * 255, every sum at most 65,152
    alpha: np.ndarray = source[..., 3].astype(np.uint16)
    if opacity < 1.0:
        alpha = alpha * np.uint16(int(round(opacity * 256))) >> 8
    below = target[..., a].astype(np.uint16)
    if not below.any():  # nothing under it (the usual case): a copy
        clear = alpha == 0
        transparent = bool(clear.any())
        for channel, index in zip((r, g, b), range(3), strict=True):
            target[..., channel] = source[..., index]
            if transparent:  # no colour where nothing shows, as the blend below gives (so any clip agrees)
                target[..., channel][clear] = 0
        target[..., a] = alpha
        return
    under = below * (255 - alpha) // 255
    total = alpha + under
    safe = np.maximum(total, np.uint16(1))
    for channel, index in zip((r, g, b), range(3), strict=True):
        target[..., channel] = (source[..., index] * alpha + target[..., channel] * under + safe // 2) // safe
    target[..., a] = total


Drawn = tuple[Image.Image, int, int, float]


class AlphaCanvas:
    """Draws each frame's elements into a straight-alpha canvas, redrawing only what changed since that canvas
    was last drawn.

    The element drawings are cached by the scene (the same image object while an element does not change),
    so a canvas is brought up to date by clearing and recompositing, from every element over them in order,
    only the boxes of the elements that appeared, went or moved since it was last drawn (a box's pixels are
    recomputed from scratch, so the result equals a full redraw). Canvases are told apart by `slot`: the
    .mov path draws into two frames in turn (qtrle holds the frame before as its reference, so the frame
    being drawn must be the other one), each keeping what it showed two frames ago. `incremental=False`
    draws every frame in full (the first version, kept to measure against).
    """

    def __init__(self, width: int, height: int, order: list[int], incremental: bool = True) -> None:
        self.width, self.height, self.order, self.incremental = width, height, order, incremental
        self.drawn: dict[int, list[Drawn]] = {}  # slot -> the elements it shows (kept alive: ids stay unique)
        self.arrays: dict[int, np.ndarray] = {}
        self.redrawn_px = 0  # pixels recomposited, over all frames (for the benchmark)

    def _array(self, image: Image.Image) -> np.ndarray:
        array = self.arrays.get(id(image))
        if array is None:
            array = self.arrays[id(image)] = np.asarray(image)
        return array

    def _box(self, item: Drawn) -> Box | None:
        image, x, y, _ = item
        box = (max(0, x), max(0, y), min(self.width, x + image.width), min(self.height, y + image.height))
        return box if box[0] < box[2] and box[1] < box[3] else None

    def _compose(self, canvas: np.ndarray, items: list[Drawn], box: Box) -> None:
        x0, y0, x1, y1 = box
        canvas[y0:y1, x0:x1] = 0
        self.redrawn_px += (x1 - x0) * (y1 - y0)
        for item in items:
            image, x, y, opacity = item
            own = self._box(item)
            if own is not None and own[0] < x1 and own[2] > x0 and own[1] < y1 and own[3] > y0:
                _blend_over(canvas, self._array(image), x, y, opacity, self.order, box)

    def draw(self, canvas: np.ndarray, items: list[Drawn], slot: int = 0) -> None:
        """Draw the frame's elements into `canvas` (H, W, 4), which holds what `slot` was last drawn with
        (anything, the first time): afterwards it shows the whole frame, as a full redraw would."""
        old = self.drawn.get(slot)
        keys = [(id(i), x, y, o) for i, x, y, o in items]
        if not self.incremental or old is None:
            self._compose(canvas, items, (0, 0, self.width, self.height))
        else:
            old_keys = [(id(i), x, y, o) for i, x, y, o in old]
            new_set, old_set = set(keys), set(old_keys)
            if [k for k in keys if k in old_set] != [k for k in old_keys if k in new_set]:  # the order changed
                self._compose(canvas, items, (0, 0, self.width, self.height))
            else:
                changed = new_set ^ old_set
                boxes = [box for item in [*items, *old] if (id(item[0]), *item[1:]) in changed
                         for box in [self._box(item)] if box is not None]
                for box in _merge(boxes):
                    self._compose(canvas, items, box)
        self.drawn[slot] = list(items)
        alive = {id(i) for drawn in self.drawn.values() for i, *_ in drawn}
        self.arrays = {k: v for k, v in self.arrays.items() if k in alive}


def _merge(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes joined (so no pixel is recomposited twice), in no particular order."""
    merged: list[Box] = []
    for box in boxes:
        while True:
            hit = next((m for m in merged if m[0] < box[2] and box[0] < m[2] and m[1] < box[3] and box[1] < m[3]),
                       None)
            if hit is None:
                break
            merged.remove(hit)
            box = (min(box[0], hit[0]), min(box[1], hit[1]), max(box[2], hit[2]), max(box[3], hit[3]))
        merged.append(box)
    return merged


def _graphics_only(replay: SceneReplay, pts: np.ndarray, hand: Hand, stem: Path, box: tuple[int, int, int, int],
                   settings: RenderSettings, fps: float, on_frame: Callable[[int, int], None] | None) -> Path:
    """The graphics alone with alpha, straight colour in full-resolution RGB (the element drawings composited
    as drawn, no 4:2:0), as a QuickTime Animation .mov (ARGB, which editors import with alpha) or an RGBA
    PNG sequence (frame-NNNNNN.png)."""
    width, height = box[2], box[3]
    frames = range(hand.start_frame, hand.end_frame)
    if settings.alpha_format == "png":
        stem.mkdir(parents=True, exist_ok=True)
        for done, index in enumerate(frames, start=1):
            _graphics_canvas(replay, int(pts[index]), width, height).save(stem / f"frame-{done - 1:06d}.png",
                                                                            compress_level=1)
            if on_frame is not None:
                on_frame(done, hand.frames)
        return stem
    path = stem.with_suffix(".mov")
    temporary = path.with_name("." + path.name + ".part.mov")
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(temporary), "w") as container:
        stream = container.add_stream("qtrle", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "argb"
        # a key frame every keyint_s: qtrle codes a frame against the one before by the rows that changed,
        # and its default (12 frames) spent most of the time re-coding whole 1080p frames
        stream.codec_context.gop_size = max(1, round(settings.keyint_s * fps))
        painter = AlphaCanvas(width, height, [1, 2, 3, 0], incremental=settings.incremental)
        pair: list[tuple[av.VideoFrame, np.ndarray]] = []
        for done, index in enumerate(frames, start=1):
            # drawn straight into an ARGB frame: incremental, two frames in turn (qtrle keeps a reference to
            # the frame before and compares the next one with it, so that one must not change); else a new one
            slot = (done - 1) % 2 if settings.incremental else 0
            if settings.incremental and len(pair) == 2:
                frame, canvas = pair[slot]
            else:
                frame = av.VideoFrame(width, height, "argb")
                plane = frame.planes[0]
                canvas = np.frombuffer(plane, np.uint8).reshape(height, plane.line_size // 4, 4)[:, :width]  # type: ignore[call-overload]
                if settings.incremental:
                    pair.append((frame, canvas))
            painter.draw(canvas, replay.images(int(pts[index])), slot=slot)
            frame.pts = done - 1
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
            if on_frame is not None:
                on_frame(done, hand.frames)
        container.mux(stream.encode(None))
    temporary.replace(path)
    return path
