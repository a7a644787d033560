"""Training patches from synthetic scenes, cut by the same localiser and warp the detector uses."""

from __future__ import annotations

import numpy as np

from ggpgfx.cards.locate import (
    PATCH_H,
    PATCH_W,
    Quad,
    _homography,
    corner_patches,
    find_cards,
    order_corners,
    refine_quad,
)
from ggpgfx.cards.synth import TRAIN_BACKGROUNDS, make_scene, random_cards
from ggpgfx.poker.cards import FULL_DECK

CLASSES: tuple[str, ...] = (*FULL_DECK, "none")
NONE_CLASS = len(CLASSES) - 1
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}


def _match(quads: list[Quad], corners: np.ndarray) -> Quad | None:
    centre = corners.mean(axis=0)
    width = float(np.linalg.norm(corners[1] - corners[0]))
    best = None
    for quad in quads:
        if np.linalg.norm(np.array(quad.centre()) - centre) < 0.25 * width:
            best = quad
    return best


def _occluded(occluder: np.ndarray, quad: Quad) -> list[float]:
    """Fraction of each of the two index patches covered by an occluder."""
    import cv2

    result = []
    for corner in (0, 1):
        m = _homography(np.roll(quad.corners, -2 * corner, axis=0))
        result.append(float(cv2.warpPerspective(occluder, m, (PATCH_W, PATCH_H)).mean()))
    return result


def jitter_quad(rng: np.random.Generator, quad: Quad, amount: float = 1.0) -> Quad:
    """The quad moved the way another deck design moves its index: scaled about the card's centre
    (0.9-1.12), shifted (±4 % of the width) and each corner nudged (2 % of the width), times `amount`.

    Real designs put their index at their own place and size inside the corner region; cutting the same
    card through such quads teaches the classifier that the index may sit a little further in, out or
    larger, which a single design rendered at one place cannot teach.
    """
    c = quad.corners.astype(np.float32)
    width = float(np.linalg.norm(c[1] - c[0]))
    centre = c.mean(axis=0)
    scale = float(np.exp(rng.uniform(np.log(0.9), np.log(1.12)) * amount))
    shift = rng.uniform(-0.04, 0.04, 2).astype(np.float32) * width * amount
    noise = rng.normal(0, 0.02 * width * amount, (4, 2)).astype(np.float32)
    return Quad((centre + (c - centre) * scale + shift + noise).astype(np.float32), quad.area, quad.score, quad.level)


def zoomed_corner(quad: Quad, corner: int, zoom: float) -> Quad:
    """The quad scaled by `zoom` about one of its index corners (0: top left, 1: bottom right), so that
    corner's patch shows the index `zoom` times smaller, still anchored in the card's corner.

    The real test designs draw their index at about half the size of the training designs' (a small
    index beside large pips); cutting through this quad makes a training design look like that. Only the
    patch of `corner` is meaningful: the quad reaches past the card's other end.
    """
    c = np.roll(quad.corners.astype(np.float32), -2 * corner, axis=0)
    anchored = c[0] + (c - c[0]) * zoom
    return Quad(np.roll(anchored, 2 * corner, axis=0).astype(np.float32), quad.area, quad.score, quad.level)


def build_patches(rng: np.random.Generator, scenes: int, styles: list[str],
                  backgrounds: tuple[str, ...] = TRAIN_BACKGROUNDS, capture: bool = False,
                  card_px: tuple[int, int] = (36, 110), views: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(patches uint8 (N, H, W), labels int64) from `scenes` synthetic scenes of three cards each.

    `capture` adds glare, motion blur and compression (`synth.capture_effects`) to the scenes. `views`
    extra cuts of every face-up card are taken through jittered quads (`jitter_quad`, from the outline
    refined as the detector refines an unsure card's), every other one also zoomed out about the index
    corner (`zoomed_corner`, the index up to 1.6x smaller): more patches per rendered scene, and index
    placements and sizes no single design has.
    """
    patches: list[np.ndarray] = []
    labels: list[int] = []
    for _ in range(scenes):
        cards = random_cards(rng, 3, back_rate=0.08)
        scene = make_scene(rng, cards, styles, backgrounds, style_jitter=True, distractors=3, capture=capture,
                           card_px=card_px)
        quads = find_cards(scene.image, min_area=300)
        used: set[int] = set()
        for card, corners in zip(scene.cards, scene.corners, strict=True):
            quad = _match(quads, corners)
            if quad is not None:
                used.add(id(quad))
            if quad is None or rng.random() < 0.2:  # also learn from imperfect localisation
                width = float(np.linalg.norm(corners[1] - corners[0]))
                jitter = rng.normal(0, 0.02 * width, (4, 2)).astype(np.float32)
                quad = Quad(order_corners(corners + jitter), 0.0)
            cut = corner_patches(scene.image, [quad])
            assert scene.occluder is not None
            covered = _occluded(scene.occluder, quad)
            label = NONE_CLASS if card == "back" else CLASS_INDEX[card]
            for k in range(2):
                if covered[k] < 0.3:
                    patches.append(cut[k])
                    labels.append(label)
            if views and card != "back":
                base = refine_quad(scene.image, quad) if quad.level > 0 else quad
                for view in range(views):
                    moved = jitter_quad(rng, base)
                    for k in range(2):
                        if view % 2 == 1:  # every other view: a smaller index, as some designs draw it
                            zoom = float(np.exp(rng.uniform(0.0, np.log(1.6))))
                            quad_k = zoomed_corner(moved, k, zoom)
                        else:
                            quad_k = moved
                        if _occluded(scene.occluder, quad_k)[k] < 0.3:
                            patches.append(corner_patches(scene.image, [quad_k], (k,))[0])
                            labels.append(label)
        for quad in quads:  # blobs the localiser found that are not cards: teach "none"
            if id(quad) not in used and _match([quad], scene.corners[0] if scene.corners else quad.corners) is None:
                cut = corner_patches(scene.image, [quad])
                patches.extend([cut[0], cut[1]])
                labels.extend([NONE_CLASS, NONE_CLASS])
        # random card-shaped windows on the scene (felt, edges of cards, chips) are "none" too
        h, w = scene.image.shape
        for _k in range(1):
            cw = rng.uniform(30, 100)
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            far = all(np.linalg.norm(c.mean(axis=0) - (cx, cy)) > 0.9 * cw for c in scene.corners)
            if far:
                angle = rng.uniform(0, np.pi)
                rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
                local = np.array([[-cw / 2, -0.7 * cw], [cw / 2, -0.7 * cw], [cw / 2, 0.7 * cw], [-cw / 2, 0.7 * cw]])
                quad = Quad(order_corners((local @ rot.T + (cx, cy)).astype(np.float32)), 0.0)
                cut = corner_patches(scene.image, [quad])
                patches.append(cut[0])
                labels.append(NONE_CLASS)
    return np.stack(patches), np.array(labels, np.int64)
