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
               threshold: int | None = None) -> list[Quad]:
    """Bright, card-shaped blobs in a luma image (uint8), as ordered quads."""
    if gray.size == 0:
        return []
    if threshold is None:
        level, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if level < 110:  # a crop of bare felt: Otsu would split the felt's own noise
            _, mask = cv2.threshold(gray, 110, 255, cv2.THRESH_BINARY)
    else:
        _, mask = cv2.threshold(gray, threshold, 255, cv2.THRESH_BINARY)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    limit = max_area if max_area is not None else float(gray.size)
    quads = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < min_area or area > limit:
            continue
        rect = cv2.minAreaRect(contour)
        w, h = rect[1]
        if min(w, h) < 1:
            continue
        ratio = max(w, h) / min(w, h)
        fill = area / (w * h)
        if not (1.15 <= ratio <= 1.7) or fill < 0.82:
            continue
        quads.append(Quad(order_corners(cv2.boxPoints(rect)), float(area)))
    return quads


def _homography(corners: np.ndarray) -> np.ndarray:
    """Map the card quad to a canonical card whose top-left index region is exactly the patch."""
    card_w = PATCH_W / REGION_W
    card_h = card_w * CARD_ASPECT
    dst = np.array([[0, 0], [card_w, 0], [card_w, card_h], [0, card_h]], np.float32)
    return cv2.getPerspectiveTransform(corners.astype(np.float32), dst)


def corner_patches(gray: np.ndarray, quads: list[Quad], offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Two index patches per quad (top-left, and bottom-right turned upright): (2N, PATCH_H, PATCH_W) uint8."""
    out = np.empty((2 * len(quads), PATCH_H, PATCH_W), np.uint8)
    ox, oy = offset
    for i, quad in enumerate(quads):
        corners = quad.corners - np.array([ox, oy], np.float32)
        for j, shift in enumerate((0, 2)):  # rolling by two corners turns the card 180 degrees
            m = _homography(np.roll(corners, -shift, axis=0))
            out[2 * i + j] = cv2.warpPerspective(gray, m, (PATCH_W, PATCH_H), flags=cv2.INTER_LINEAR,
                                                 borderMode=cv2.BORDER_REPLICATE)
    return out


def normalise(patches: np.ndarray) -> np.ndarray:
    """uint8 patches → float32 (N, 1, H, W), each scaled to zero mean and unit spread (lighting invariance)."""
    x = patches.astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    std = x.std(axis=(1, 2), keepdims=True) + 8.0
    return ((x - mean) / std)[:, None]
