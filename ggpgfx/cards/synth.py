"""Synthetic card scenes in luma (what the detector sees): deck styles on textured backgrounds, augmented.

Augmentation: any rotation, perspective, scale, blur, sensor noise, lighting gain/offset/gradient and
partial occlusion. Background families are split: training never sees the held-out ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np

from ggpgfx.cards.deck import ALL_STYLES, CARD_ASPECT, DeckStyle, render_back, render_card
from ggpgfx.cards.yuv import rgb_to_yuv_pixels
from ggpgfx.poker.cards import FULL_DECK

TRAIN_BACKGROUNDS = ("felt", "gradient", "wood")
HELD_OUT_BACKGROUNDS = ("tiles", "blobs", "cloth")
RENDER_WIDTH = 160
DESIGN_PREFIX = "deck:"  # style names of real deck designs: "deck:standard"
FONT_STYLE_PREFIX = "font:"  # random training styles drawn from the font pool: "font:<seed>:<index>"


@lru_cache(maxsize=4096)
def _card_luma(card: str, style_name: str, index_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Luma and alpha (0..1) of a card (or "back") rendered RENDER_WIDTH wide, index size scaled.

    `style_name` is one of the project's deck styles, `font:<seed>:<index>`, a random style drawn from the
    training font pool (`fontpool.py`), or `deck:<design>`, a real deck design (`designs.py`), whose index
    size is its own (`index_scale` does not apply).
    """
    if style_name.startswith(DESIGN_PREFIX) and card != "back":
        from ggpgfx.cards.designs import design_card

        rgba = design_card(style_name[len(DESIGN_PREFIX):], card)
        size = (RENDER_WIDTH, round(RENDER_WIDTH * rgba.shape[0] / rgba.shape[1]))
        rgba = cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)
        return (rgb_to_yuv_pixels(rgba[..., :3])[..., 0].astype(np.float32),
                rgba[..., 3].astype(np.float32) / 255.0)
    if style_name.startswith(DESIGN_PREFIX):
        style_name = "classic"  # a back is a back
    if style_name.startswith(FONT_STYLE_PREFIX):
        from ggpgfx.cards.fontpool import style_for_name

        style = style_for_name(style_name)
    else:
        style = ALL_STYLES[style_name]
    if index_scale != 1.0:
        style = replace(style, index_scale=style.index_scale * index_scale)
    image = render_back(RENDER_WIDTH) if card == "back" else render_card(card, style, RENDER_WIDTH)
    arr = np.asarray(image)
    return rgb_to_yuv_pixels(arr[..., :3])[..., 0].astype(np.float32), arr[..., 3].astype(np.float32) / 255.0


def background(rng: np.random.Generator, kind: str, width: int, height: int) -> np.ndarray:
    """A float32 luma background of one family."""
    base = rng.uniform(25, 140)
    if kind == "felt":
        noise = cv2.GaussianBlur(rng.normal(0, rng.uniform(3, 14), (height, width)).astype(np.float32), (0, 0), 1.5)
        return base + noise
    if kind == "gradient":
        other = rng.uniform(25, 150)
        if rng.random() < 0.5:
            t = np.linspace(0, 1, width, dtype=np.float32)[None, :] * np.ones((height, 1), np.float32)
        else:
            t = np.linspace(0, 1, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
        return base + (other - base) * t + rng.normal(0, 3, (height, width)).astype(np.float32)
    if kind == "wood":
        x = np.arange(width, dtype=np.float32)[None, :] + rng.normal(0, 6, (height, 1)).astype(np.float32)
        grain = np.sin(x / rng.uniform(3, 12)) * rng.uniform(5, 18)
        return base + grain + rng.normal(0, 4, (height, width)).astype(np.float32)
    if kind == "tiles":
        size = int(rng.integers(8, 40))
        yy, xx = np.mgrid[0:height, 0:width]
        other = rng.uniform(25, 150)
        return np.where(((yy // size) + (xx // size)) % 2 == 0, base, other).astype(np.float32)
    if kind == "blobs":
        img = np.full((height, width), base, np.float32)
        for _ in range(int(rng.integers(5, 25))):
            centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
            axes = (int(rng.integers(4, 40)), int(rng.integers(4, 40)))
            cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(20, 175)), -1)
        return img
    if kind == "cloth":
        img = np.full((height, width), base, np.float32)
        step = int(rng.integers(3, 9))
        img[::step, :] += rng.uniform(8, 25)
        img[:, ::step] -= rng.uniform(8, 25)
        return img + rng.normal(0, 3, (height, width)).astype(np.float32)
    raise ValueError(f"unknown background {kind!r}")


@dataclass
class Scene:
    """A synthetic luma image with the true corners (TL, TR, BR, BL of the upright card) of every card."""

    image: np.ndarray  # uint8 (H, W)
    cards: list[str] = field(default_factory=list)  # "back" for face-down cards
    corners: list[np.ndarray] = field(default_factory=list)
    occluder: np.ndarray | None = None  # float32 mask of occluding objects (H, W)


def make_scene(rng: np.random.Generator, cards: list[str], styles: list[str], backgrounds: tuple[str, ...],
               width: int = 320, height: int = 320, card_px: tuple[int, int] = (36, 110),
               occlusion: float = 0.25, perspective: float = 0.08, style_jitter: bool = False,
               distractors: int = 0, capture: bool = False, max_angle: float | None = None) -> Scene:
    """Place cards (non-overlapping) on a background and apply the photometric augmentations.

    Training turns on `style_jitter` (index size and ink weight vary, so unseen fonts and bolder or
    lighter glyphs look familiar) and `distractors` (bright non-card objects the classifier must call "none").
    `max_angle` (degrees) limits the rotation to ±max_angle (None: any angle). `capture` adds what a
    broadcast camera does to a picture (`capture_effects`): glare, motion blur and
    block compression.
    """
    img = background(rng, str(rng.choice(backgrounds)), width, height)
    for _ in range(int(rng.integers(0, distractors + 1))):
        centre = (float(rng.uniform(0, width)), float(rng.uniform(0, height)))
        size = (float(rng.uniform(10, 90)), float(rng.uniform(10, 90)))
        box = cv2.boxPoints((centre, size, float(rng.uniform(0, 180)))).astype(np.int32)
        level = float(rng.uniform(140, 250))
        if rng.random() < 0.5:
            cv2.fillPoly(img, [box], level)
        else:
            cv2.ellipse(img, (int(centre[0]), int(centre[1])), (int(size[0] / 2), int(size[1] / 2)),
                        float(rng.uniform(0, 180)), 0, 360, level, -1)
    occluder = np.zeros((height, width), np.float32)
    scene = Scene(image=np.empty(0, np.uint8), occluder=occluder)
    placed: list[tuple[float, float, float]] = []
    for card in cards:
        for _attempt in range(30):
            cw = float(rng.uniform(*card_px))
            ch = cw * CARD_ASPECT
            radius = 0.5 * float(np.hypot(cw, ch))
            cx, cy = rng.uniform(radius, width - radius), rng.uniform(radius, height - radius)
            if all(np.hypot(cx - x, cy - y) > radius + r + 2 for x, y, r in placed):
                break
        else:
            continue
        placed.append((cx, cy, radius))
        angle = rng.uniform(0, 2 * np.pi) if max_angle is None else np.radians(rng.uniform(-max_angle, max_angle))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
        local = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]], np.float32)
        local += rng.normal(0, perspective * cw / 2, (4, 2)).astype(np.float32)
        corners = local @ rot.T + np.array([cx, cy], np.float32)
        scale = float(rng.choice((0.85, 1.0, 1.12))) if style_jitter else 1.0
        luma, alpha = _card_luma(card, str(rng.choice(styles)), scale)
        if style_jitter and rng.random() < 0.5:  # bolder (erode: dark ink grows) or lighter glyphs
            kernel = np.ones((3, 3), np.uint8)
            luma = cv2.erode(luma, kernel) if rng.random() < 0.5 else cv2.dilate(luma, kernel)
        src = np.array([[0, 0], [luma.shape[1], 0], [luma.shape[1], luma.shape[0]], [0, luma.shape[0]]], np.float32)
        m = cv2.getPerspectiveTransform(src, corners)
        warped = cv2.warpPerspective(luma, m, (width, height), flags=cv2.INTER_AREA)
        mask = cv2.warpPerspective(alpha, m, (width, height), flags=cv2.INTER_LINEAR)
        img = img * (1 - mask) + warped * mask
        scene.cards.append(card)
        scene.corners.append(corners)
        if rng.random() < occlusion:  # a finger, a chip or a hand over part of the card
            centre = corners[int(rng.integers(0, 4))] * 0.5 + np.array([cx, cy]) * 0.5
            axes = (int(cw * rng.uniform(0.15, 0.35)), int(cw * rng.uniform(0.15, 0.45)))
            colour = float(rng.uniform(40, 190))
            cv2.ellipse(img, (int(centre[0]), int(centre[1])), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
            cv2.ellipse(occluder, (int(centre[0]), int(centre[1])), axes, 0.0, 0, 360, 1.0, -1)
    # lighting: gain, offset and a soft gradient, then lens blur and sensor noise
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1 + rng.uniform(-0.25, 0.25) * (xx / width - 0.5) + rng.uniform(-0.25, 0.25) * (yy / height - 0.5)
    img = img * rng.uniform(0.7, 1.2) * light + rng.uniform(-20, 15)
    sigma = rng.uniform(0, 1.3)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.normal(0, rng.uniform(0, 7), img.shape).astype(np.float32)
    scene.image = np.clip(img, 0, 255).astype(np.uint8)
    if capture:
        scene.image = capture_effects(rng, scene.image)
    return scene


def capture_effects(rng: np.random.Generator, image: np.ndarray, glare: float = 0.5, motion: float = 0.35,
                    jpeg: float = 0.5) -> np.ndarray:
    """Glare (a soft saturated highlight), motion blur (a line kernel) and block compression, each by chance.

    Compression here is JPEG at quality 25-85 (the same 8x8 DCT block artefacts as H.264 intra blocks, and
    cheap enough for training); evaluation sets can go through the real H.264 encoder (`evaluate.h264_roundtrip`).
    """
    h, w = image.shape
    img: np.ndarray = image.astype(np.float32)
    if rng.random() < glare:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        radius = rng.uniform(0.08, 0.35) * max(w, h)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius ** 2))
        img = img + spot * rng.uniform(40, 160)
    if rng.random() < motion:
        length = int(rng.integers(3, 9))
        kernel: np.ndarray = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        kernel = (kernel / max(1e-6, float(kernel.sum()))).astype(np.float32)
        img = cv2.filter2D(img, -1, kernel)
    out: np.ndarray = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < jpeg:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 86))])
        if ok:
            out = np.asarray(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))
    return out


def random_cards(rng: np.random.Generator, count: int, back_rate: float = 0.0) -> list[str]:
    """Distinct random cards; some may be face-down backs."""
    picks = [str(c) for c in rng.choice(FULL_DECK, size=count, replace=False)]
    return ["back" if rng.random() < back_rate else c for c in picks]


def style_names(held_out: bool) -> list[str]:
    """Training style names, or the held-out ones."""
    from ggpgfx.cards.deck import HELD_OUT_STYLES, TRAIN_STYLES

    return list(HELD_OUT_STYLES if held_out else TRAIN_STYLES)


def style_of(name: str) -> DeckStyle:
    """A style by name."""
    return ALL_STYLES[name]
