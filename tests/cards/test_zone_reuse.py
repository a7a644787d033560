"""reuse_unchanged (the default): a still zone under camera noise is not read again; any card change is."""

from __future__ import annotations

import cv2
import numpy as np

from ggpgfx.cards.detector import BLOCK_CHANGE, CardDetector, ZoneSpec, zone_signature
from ggpgfx.cards.infer import CardClassifier
from ggpgfx.cards.synth import make_scene, style_names

W, H = 640, 360
ZONE = ZoneSpec.from_dict({"name": "board", "zone": "board", "polygon": [[0, 0], [W, 0], [W, H], [0, H]]})


def _noisy(image: np.ndarray, rng: np.random.Generator, sigma: float = 2.5) -> np.ndarray:
    """What a camera gives of a still scene: every pixel a few levels off, differently each frame."""
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def _scene_and_bare(card_px: tuple[int, int] = (44, 50), width: int = W,
                    height: int = H) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A wide zone with three small cards, and the same picture with the last card taken away (felt there)."""
    rng = np.random.default_rng(11)
    cards = ["Ks", "7d", "Qh"]
    scene = make_scene(rng, cards, style_names(False), ("felt",), width, height, card_px=card_px, occlusion=0.0,
                       perspective=0.0, max_angle=8)
    bare = scene.image.copy()
    corners = scene.corners[-1].astype(np.float32)
    centre = corners.mean(axis=0)
    grown = (centre + (corners - centre) * 1.15).astype(np.int32)  # the card and its soft edge
    felt = int(np.median(scene.image[:8, :]))
    cv2.fillConvexPoly(bare, grown, felt)
    return scene.image, bare, cards


def test_a_still_zone_under_sensor_noise_is_reused_and_reads_the_same() -> None:
    image, _, cards = _scene_and_bare()
    rng = np.random.default_rng(1)
    detector = CardDetector(CardClassifier())
    first = sorted(d.card for d in detector.detect(_noisy(image, rng), [ZONE]))
    assert first == sorted(cards)
    for _ in range(12):
        assert sorted(d.card for d in detector.detect(_noisy(image, rng), [ZONE])) == first
    # the old signature (every 4th pixel) differed by ~2.3 levels a frame under this noise: never reused
    assert detector.zones_processed == 1 and detector.zones_reused == 12


def test_a_small_card_put_down_or_taken_away_in_a_wide_zone_is_read() -> None:
    rng = np.random.default_rng(2)
    # a 30 px card in a 1280x720 zone (a wide shot) moves the zone's average less than the mean threshold: the
    # blocks it covers tell
    image, bare, _ = _scene_and_bare((30, 32), 1280, 720)
    wide = ZoneSpec.from_dict({"name": "wide", "zone": "board", "polygon": [[0, 0], [1280, 0], [1280, 720], [0, 720]]})
    moved = cv2.absdiff(zone_signature(_noisy(bare, rng)), zone_signature(_noisy(image, rng)))
    assert float(moved.mean()) < 1.5 and int(moved.max()) >= BLOCK_CHANGE
    detector = CardDetector(CardClassifier())
    for frame in (bare, bare, image, image, bare):
        detector.detect(_noisy(frame, rng), [wide])
    assert (detector.zones_processed, detector.zones_reused) == (3, 2)
    image, bare, cards = _scene_and_bare()
    detector = CardDetector(CardClassifier())
    assert sorted(d.card for d in detector.detect(_noisy(bare, rng), [ZONE])) == sorted(cards[:-1])
    assert sorted(d.card for d in detector.detect(_noisy(bare, rng), [ZONE])) == sorted(cards[:-1])
    assert sorted(d.card for d in detector.detect(_noisy(image, rng), [ZONE])) == sorted(cards)  # put down
    assert sorted(d.card for d in detector.detect(_noisy(bare, rng), [ZONE])) == sorted(cards[:-1])  # taken away
    assert detector.zones_reused == 1 and detector.zones_processed == 3


def test_a_slow_change_adds_up_until_the_zone_is_read_again() -> None:
    image, bare, cards = _scene_and_bare()
    detector = CardDetector(CardClassifier())
    detector.detect(bare, [ZONE])
    # the card fades in over 40 frames: each frame differs from the one before by ~1/40 of the card
    for step in range(1, 41):
        mix = (bare.astype(np.float32) * (1 - step / 40) + image.astype(np.float32) * step / 40).astype(np.uint8)
        found = detector.detect(mix, [ZONE])
    assert sorted(d.card for d in found) == sorted(cards)
    assert detector.zones_processed > 1  # compared with the last frame read, not the frame before
