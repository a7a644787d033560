"""Card localisation on a luma crop (OpenCV): bright card-shaped blobs → ordered quads → corner-index patches.

The classifier looks only at the rank/suit index in the card's corners; both corners carry the same
index turned 180 degrees, so a card upside down gives the same patches.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ggpgfx.cards.deck import CARD_ASPECT

PATCH_W, PATCH_H = 32, 48
#: The index region in card-width units: x in [0, 0.40], y in [0, 0.60] (0.60 = 0.43 * aspect).
REGION_W = 0.40
REGION_H = REGION_W * PATCH_H / PATCH_W


@dataclass
class Quad:
    """A located card: corners TL, TR, BR, BL (a short edge on top) in crop pixels, and its blob area."""

    corners: np.ndarray  # (4, 2) float32
    area: float
    score: float = 1.0  # rectangularity minus aspect error: 1 is a perfect card outline

    def box(self) -> tuple[float, float, float, float]:
        """Axis-aligned bounds (x0, y0, x1, y1)."""
        xs, ys = self.corners[:, 0], self.corners[:, 1]
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())

    def centre(self) -> tuple[float, float]:
        """Centre point."""
        c = self.corners.mean(axis=0)
        return float(c[0]), float(c[1])


def order_corners(points: np.ndarray) -> np.ndarray:
    """Order 4 corners clockwise on screen, starting so that the first edge is a short one."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # increasing angle with y down = clockwise on screen
    first = np.linalg.norm(pts[1] - pts[0])
    second = np.linalg.norm(pts[2] - pts[1])
    if first > second:
        pts = np.roll(pts, -1, axis=0)
    return pts


def find_cards(gray: np.ndarray, min_area: float = 400.0, max_area: float | None = None,
               threshold: int | None = None, scale: int = 2) -> list[Quad]:
    """Bright, card-shaped blobs in a luma image (uint8), as ordered quads in that image's pixels.

    Blobs are searched at 1/`scale` resolution: a quarter of the pixels, and the area filter doubles as
    a denoiser so noisy felt yields far fewer contours; patches are still cut at full resolution.
    """
    if gray.size == 0:
        return []
    if scale > 1 and min(gray.shape) >= 8 * scale:
        small = cv2.resize(gray, (gray.shape[1] // scale, gray.shape[0] // scale), interpolation=cv2.INTER_AREA)
        found = find_cards(small, min_area / scale**2, None if max_area is None else max_area / scale**2,
                           threshold, scale=1)
        return [Quad((q.corners + 0.5) * scale - 0.5, q.area * scale**2, q.score) for q in found]
    if threshold is not None:
        levels = [float(threshold)]
    else:
        otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        base = max(float(otsu), 110.0)  # a crop of bare felt: Otsu would split the felt's own noise
        white = float(gray.max())
        # Cards touching a bright background merge with it at one level but not at a higher one.
        levels = [base] + [base + f * (white - base) for f in (0.35, 0.6)] if white - base > 30 else [base]
    limit = max_area if max_area is not None else 0.6 * float(gray.size)
    quads: list[Quad] = []
    for level in levels:
        _, mask = cv2.threshold(gray, level, 255, cv2.THRESH_BINARY)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        doubtful = False
        for contour in contours:
            quad = _card_quad(contour, min_area, limit)
            if quad is None:
                doubtful |= cv2.contourArea(contour) >= min_area
                continue
            doubtful |= quad.score < CLEAN_SCORE
            cx, cy = quad.centre()
            same = [q for q in quads if q.box()[0] <= cx <= q.box()[2] and q.box()[1] <= cy <= q.box()[3]]
            if same:
                # the same card seen at two levels: keep the cleaner rectangle (a card merged with a
                # bright background at a low level separates from it at a higher one)
                if quad.score > max(q.score for q in same):
                    quads = [q for q in quads if all(q is not x for x in same)] + [quad]
                continue
            quads.append(quad)
        if not doubtful:
            break  # every bright blob was a clean card (or noise): higher levels would find nothing better
    return quads


CLEAN_SCORE = 0.85  # rectangularity of an unobstructed card minus its aspect error; lower means "look again"


def _card_quad(contour: np.ndarray, min_area: float, max_area: float) -> Quad | None:
    """The quad of a contour when it is card-shaped; the convex hull forgives fingers over an edge."""
    hull = cv2.convexHull(contour)
    area = cv2.contourArea(hull)
    if area < min_area or area > max_area:
        return None
    rect = cv2.minAreaRect(hull)
    w, h = rect[1]
    if min(w, h) < 1:
        return None
    ratio = max(w, h) / min(w, h)
    fill = cv2.contourArea(contour) / (w * h)
    if not (1.15 <= ratio <= 1.7) or area / (w * h) < 0.8 or fill < 0.55:
        return None
    return Quad(order_corners(cv2.boxPoints(rect)), float(area), fill - 0.5 * abs(ratio - CARD_ASPECT))


def _homography(corners: np.ndarray) -> np.ndarray:
    """Map the card quad to a canonical card whose top-left index region is exactly the patch."""
    card_w = PATCH_W / REGION_W
    card_h = card_w * CARD_ASPECT
    dst = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], np.float32)
    return cv2.getPerspectiveTransform(corners.astype(np.float32), dst)


def corner_patches(gray: np.ndarray, quads: list[Quad], corners: tuple[int, ...] = (0, 1)) -> np.ndarray:
    """Index patches per quad, (len(quads) * len(corners), PATCH_H, PATCH_W) uint8, quad-major.

    Corner 0 is the top-left index; corner 1 the bottom-right one turned upright.
    """
    out = np.empty((len(corners) * len(quads), PATCH_H, PATCH_W), np.uint8)
    k = 0
    for quad in quads:
        for corner in corners:  # rolling the quad by two corners turns the card 180 degrees
            m = _homography(np.roll(quad.corners, -2 * corner, axis=0))
            out[k] = cv2.warpPerspective(gray, m, (PATCH_W, PATCH_H), flags=cv2.INTER_LINEAR,
                                         borderMode=cv2.BORDER_REPLICATE)
            k += 1
    return out


def normalise(patches: np.ndarray) -> np.ndarray:
    """uint8 patches → float32 (N, 1, H, W), each scaled to zero mean and unit spread (lighting invariance)."""
    x = patches.astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    std = x.std(axis=(1, 2), keepdims=True) + 8.0
    return ((x - mean) / std)[:, None]
