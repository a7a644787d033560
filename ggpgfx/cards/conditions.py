"""Capture conditions for evaluation: labelled luma scenes of one deck design as a camera would see them.

Each condition is one way a broadcast camera shows cards (upright overhead, rotated ±30°, tiny, large, a
side camera's perspective, occluded, glare and motion blur, H.264 at a broadcast bitrate, a hole-card
camera under glass). `scenes(design, condition, count, seed)` renders them; the seed fixes everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ggpgfx.cards.synth import (
    HELD_OUT_BACKGROUNDS,
    TRAIN_BACKGROUNDS,
    Scene,
    capture_effects,
    make_scene,
    random_cards,
)
from ggpgfx.errors import ConfigError

BROADCAST_BITRATE = 8_000_000  # bits/s of a 1080p30 contribution stream; scaled by picture area


@dataclass(frozen=True)
class Condition:
    """How the scenes of one condition are made."""

    name: str
    doc: str
    card_px: tuple[int, int] = (60, 150)
    max_angle: float | None = 30.0
    perspective: float = 0.06
    occlusion: float = 0.0
    glare: float = 0.0
    motion: float = 0.0
    h264: bool = False
    size: tuple[int, int] = (480, 360)
    cards: tuple[int, int] = (1, 4)
    hole_cam: bool = False


CONDITIONS: dict[str, Condition] = {c.name: c for c in [
    Condition("upright", "overhead, upright within ±12°, 120-160 px, clean", (120, 160), 12.0, 0.02,
              size=(640, 480), cards=(1, 3)),
    Condition("rotated", "rotation up to ±30°, 50-150 px", (50, 150), 30.0),
    Condition("small", "30-50 px wide (a wide shot)", (30, 50), 30.0, 0.04, cards=(2, 6)),
    Condition("large", "160-250 px wide (a close shot)", (160, 250), 30.0, 0.04, size=(720, 560), cards=(1, 2)),
    Condition("side-camera", "strong perspective of a side camera", (60, 140), 30.0, 0.16),
    Condition("occluded", "a chip, finger or hand over part of every card", (60, 150), 30.0, occlusion=1.0),
    Condition("glare-blur", "glare spot and motion blur on every scene", (60, 150), 30.0, glare=1.0, motion=1.0),
    Condition("h264", "H.264 at a broadcast bitrate (libx264 through PyAV)", (50, 150), 30.0, h264=True),
    Condition("hole-cam", "hole-card camera: two cards close under glass (reflections, glare, tint)",
              (170, 230), 20.0, 0.12, glare=1.0, size=(720, 480), cards=(2, 2), hole_cam=True),
]}


def get_condition(name: str) -> Condition:
    """A condition by name, with a clear error."""
    try:
        return CONDITIONS[name]
    except KeyError:
        raise ConfigError(f"unknown condition {name!r}; known: {', '.join(CONDITIONS)}") from None


def _under_glass(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """A hole-card camera looks up through glass: low contrast, a reflected gradient, a greenish tint in luma."""
    h, w = image.shape
    img = image.astype(np.float32) * rng.uniform(0.6, 0.85) + rng.uniform(15, 45)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    band = np.cos(angle) * xx / w + np.sin(angle) * yy / h
    img += rng.uniform(10, 40) * np.clip(1 - np.abs(band - rng.uniform(0.2, 0.8)) * 4, 0, 1)  # a reflection streak
    return np.clip(img, 0, 255).astype(np.uint8)


def scenes(style: str, condition: Condition, count: int, seed: int) -> list[Scene]:
    """`count` labelled scenes of one deck style (`deck:<design>` or a project style) under a condition."""
    rng = np.random.default_rng(seed)
    out = []
    width, height = condition.size
    backgrounds = TRAIN_BACKGROUNDS + HELD_OUT_BACKGROUNDS
    for _ in range(count):
        cards = random_cards(rng, int(rng.integers(condition.cards[0], condition.cards[1] + 1)))
        scene = make_scene(rng, cards, [style], ("felt",) if condition.hole_cam else backgrounds, width, height,
                           card_px=condition.card_px, occlusion=condition.occlusion,
                           perspective=condition.perspective, max_angle=condition.max_angle)
        if condition.hole_cam:
            scene.image = _under_glass(rng, scene.image)
        if condition.glare or condition.motion:
            scene.image = capture_effects(rng, scene.image, condition.glare, condition.motion, 0.0)
        out.append(scene)
    if condition.h264:
        for scene, image in zip(out, h264_roundtrip([s.image for s in out]), strict=True):
            scene.image = image
    return out


def h264_roundtrip(images: list[np.ndarray], bitrate_1080p: int = BROADCAST_BITRATE, fps: int = 30) -> list[np.ndarray]:
    """Encode luma images as one H.264 stream (libx264 as `encode.h264` opens it) and decode them back.

    The bitrate is a 1080p broadcast bitrate scaled to the picture area, so a 480x360 scene gets the bits
    per pixel a 1080p camera feed gets. Every scene is a cut (different content), as at a real cut.
    """
    import av

    if not images:
        return []
    h, w = images[0].shape
    h2, w2 = h - h % 2, w - w % 2
    encoder = av.CodecContext.create("libx264", "w")  # as encode.h264 opens it: preset veryfast, a bitrate
    encoder.width, encoder.height, encoder.pix_fmt = w2, h2, "yuv420p"
    encoder.time_base = Fraction(1, 90_000)
    encoder.framerate = Fraction(fps)
    encoder.bit_rate = max(100_000, int(bitrate_1080p * (w2 * h2) / (1920 * 1080)))
    encoder.gop_size = 2 * fps
    encoder.max_b_frames = 0
    encoder.thread_count = 1
    encoder.options = {"preset": "veryfast"}
    encoder.open()
    decoder = av.CodecContext.create("h264", "r")
    decoded: list[np.ndarray] = []

    def take(packets: Any) -> None:
        for packet in packets:
            for frame in decoder.decode(packet):
                decoded.append(frame.to_ndarray(format="gray")[:h2, :w2].copy())

    for index, image in enumerate(images):
        frame = av.VideoFrame(w2, h2, "yuv420p")
        luma = frame.planes[0]
        luma.update(np.pad(image[:h2, :w2], ((0, 0), (0, luma.line_size - w2))).tobytes())
        for plane in frame.planes[1:]:  # grey: the scenes are luma only
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = index * 3000
        frame.time_base = Fraction(1, 90_000)
        take(encoder.encode(frame))
    take(encoder.encode(None))
    take(decoder.decode(None))
    if len(decoded) != len(images):
        raise RuntimeError(f"H.264 round trip returned {len(decoded)} of {len(images)} frames")
    out = []
    for image, back in zip(images, decoded, strict=True):
        full = image.copy()
        full[:h2, :w2] = back
        out.append(full)
    return out

