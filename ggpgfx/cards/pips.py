"""A pip count of a number card (2-10): a cheap cross-check of its index read (`CardClassifier.read_quads`).

The card's outline is warped to an upright canonical card; ink is what is darker than the paper around it
(the paper estimated by a grey dilation wider than a pip, so a gradient or glare over the face is no ink);
the connected ink blobs whose centres lie in the centre field (the two index columns left out) are the pips. A
count is given only when it is clean: 2 to 10 blobs, all of one size (two pips run together, a cut pip, a
finger, a large index reaching into the field or one big centre pip make sizes disagree), each with its mirror
image through the card's centre (the seven's odd pip aside). Face cards and aces are not counted.
"""

from __future__ import annotations

import cv2
import numpy as np

from ggpgfx.cards.deck import CARD_ASPECT
from ggpgfx.cards.locate import Quad

PIP_W = 64  # the canonical card's width in pixels (a pip is ~8 px wide there)
PIP_H = round(PIP_W * CARD_ASPECT)
MIN_CARD_PX = 60.0  # a card narrower than this in its image is not counted: its pips are a few pixels
FIELD_X = (0.17, 0.83)  # pip centres lie between the index columns (index symbols sit at x < 0.16)
FIELD_Y = (0.04, 0.96)
SAME_SIZE = (0.7, 1.4)  # every pip's area within these factors of the median pip's
MIRROR_TOLERANCE = 0.08  # a pip's mirror image lies within this share of the card width of another pip
NUMBER_RANKS = {"2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9, "T": 10}
_CANON = np.array([[0, 0], [PIP_W, 0], [PIP_W, PIP_H], [0, PIP_H]], np.float32)
_KERNEL = cv2.getStructuringElement(cv2.MORPH_RECT, (17, 17))
# the counted field, with a margin so a pip centred in the field lies wholly inside it
_X0, _X1 = round(FIELD_X[0] * PIP_W) - 6, round(FIELD_X[1] * PIP_W) + 6
_Y0, _Y1 = round(FIELD_Y[0] * PIP_H), round(FIELD_Y[1] * PIP_H)
_FIELD_LEFT, _FIELD_RIGHT = FIELD_X[0] * PIP_W, FIELD_X[1] * PIP_W


def card_width(quad: Quad) -> float:
    """The card's width in its image: the mean length of its two short edges."""
    c = quad.corners.astype(np.float32)
    return float((np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2)


def upright(gray: np.ndarray, quad: Quad, scale: int = 1) -> np.ndarray:
    """The card warped to the canonical card, `scale` times PIP_W x PIP_H (uint8)."""
    m = cv2.getPerspectiveTransform(quad.corners.astype(np.float32), _CANON * scale)
    return cv2.warpPerspective(gray, m, (PIP_W * scale, PIP_H * scale), borderMode=cv2.BORDER_REPLICATE,
                               flags=cv2.INTER_AREA if card_width(quad) > PIP_W * scale else cv2.INTER_LINEAR)


def find_pips(card: np.ndarray, scale: int = 1) -> tuple[list[tuple[float, float, float, int]], np.ndarray,
                                                          np.ndarray, np.ndarray] | None:
    """The pips of an upright card (`upright`, `scale` times PIP_W wide) when their count is clean, else None.

    Returns the pips as (area, x, y, label) in canonical card pixels, the field's component labels, its ink
    (darker than the paper around it), both of the field that starts at (`scale` * _X0, `scale` * _Y0), and the
    components' stats (`cv2.connectedComponentsWithStats`, in field pixels).
    """
    # the paper: a grey dilation wider than a pip (17 px at scale 1)
    kernel = _KERNEL if scale == 1 else cv2.getStructuringElement(cv2.MORPH_RECT, (16 * scale + 1,) * 2)
    ink = cv2.subtract(cv2.dilate(card, kernel), card)
    x0, y0 = _X0 * scale, _Y0 * scale
    field = ink[y0:_Y1 * scale, x0:_X1 * scale]
    # ink is what is well over half as dark as the darkest ink (3x3 means at scale 1, so one noisy pixel sets
    # nothing)
    _, darkest, _, _ = cv2.minMaxLoc(cv2.blur(field, (2 * scale + 1,) * 2))
    _, mask = cv2.threshold(field, max(24.0, 0.45 * darkest), 1, cv2.THRESH_BINARY)
    n, labels, stats, centres = cv2.connectedComponentsWithStats(mask, connectivity=8)
    blobs = []  # (area, x, y, label) in canonical card pixels of the blobs centred in the field
    left, right = _FIELD_LEFT * scale, _FIELD_RIGHT * scale
    for label, (area, (x, y)) in enumerate(zip(stats[1:, cv2.CC_STAT_AREA].tolist(), centres[1:].tolist(),
                                               strict=True), 1):
        if area >= 6 * scale * scale and left <= x + x0 <= right:
            blobs.append((float(area), x + x0, y + y0, label))
    if len(blobs) < 2:
        return None
    ordered = sorted(b[0] for b in blobs)
    median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    pips = [b for b in blobs if b[0] >= 0.3 * median]  # specks (noise, a maker's mark) are no pips
    sizes = [b[0] for b in pips]
    if not 2 <= len(pips) <= 10 or min(sizes) < SAME_SIZE[0] * median or max(sizes) > SAME_SIZE[1] * median:
        return None
    # pip layouts are the same turned 180 degrees (the seven's odd pip aside): a pip without its mirror image
    # through the card's centre means pips hidden (a chip, a hand) or a blob that is no pip
    width, height = PIP_W * scale, PIP_H * scale
    near = (MIRROR_TOLERANCE * width) ** 2
    alone = sum(1 for _, x, y, _ in pips
                if min((width - x - u) ** 2 + (height - y - v) ** 2 for _, u, v, _ in pips) > near)
    if alone > (1 if len(pips) == 7 else 0):
        return None
    return pips, labels, field, stats


def count_pips(gray: np.ndarray, quad: Quad) -> int | None:
    """The number of pips on the card in `quad` when the count is clean, else None (see the module)."""
    if card_width(quad) < MIN_CARD_PX:
        return None
    found = find_pips(upright(gray, quad))
    return None if found is None else len(found[0])


def contradicts(card: str, gray: np.ndarray, quad: Quad) -> bool:
    """Whether a clean pip count of a card read as `card` (a number card) says another number."""
    rank = NUMBER_RANKS.get(card[:1])
    if rank is None:
        return False
    found = count_pips(gray, quad)
    return found is not None and found != rank
