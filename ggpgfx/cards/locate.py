"""Card localisation on a luma crop (OpenCV): bright card-shaped blobs → ordered quads → corner-index patches.

The classifier looks only at the rank/suit index in the card's corners; both corners carry the same
index turned 180 degrees, so a card upside down gives the same patches.
"""

from __future__ import annotations

import math
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
    level: float = 0.0  # the luma threshold the card's outline was found at

    def box(self) -> tuple[float, float, float, float]:
        """Axis-aligned bounds (x0, y0, x1, y1)."""
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = self.corners.tolist()
        return min(ax, bx, cx, dx), min(ay, by, cy, dy), max(ax, bx, cx, dx), max(ay, by, cy, dy)

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
               threshold: int | None = None, scale: int = 2, refine: bool = False) -> list[Quad]:
    """Bright, card-shaped blobs in a luma image (uint8), as ordered quads in that image's pixels.

    Blobs are searched at 1/`scale` resolution: a quarter of the pixels, and the area filter doubles as
    a denoiser so noisy felt yields far fewer contours; patches are still cut at full resolution.
    With `refine`, each quad's four edges are then fitted at full resolution (`refine_quad`).
    """
    if gray.size == 0:
        return []
    if scale > 1 and min(gray.shape) >= 8 * scale:
        small = cv2.resize(gray, (gray.shape[1] // scale, gray.shape[0] // scale), interpolation=cv2.INTER_AREA)
        found = find_cards(small, min_area / scale**2, None if max_area is None else max_area / scale**2,
                           threshold, scale=1, refine=False)
        if not found:
            return []
        # one array operation for every quad's corners: the same float32 steps as quad by quad
        corners = (np.stack([q.corners for q in found]) + 0.5) * scale - 0.5
        full = [Quad(c, q.area * scale**2, q.score, q.level) for c, q in zip(corners, found, strict=True)]
        return [refine_quad(gray, q) for q in full] if refine else full
    if threshold is not None:
        levels = [(float(threshold), False)]
    else:
        otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        base = max(float(otsu), FLOOR)  # a crop of bare felt: Otsu would split the felt's own noise
        white = float(gray.max())
        # Cards touching a bright background merge with it at one level but not at a higher one.
        levels = [(base, False)]
        levels += [(base + f * (white - base), False) for f in (0.35, 0.6)] if white - base > 30 else []
        # Off by default (LOWER, CLOSE; docs/cards.md, round 6): a card dimmer than the brightest paper (a court
        # card's drawing) breaks into pieces at Otsu's level but may be whole at a lower one; a dark frame line
        # inside a thin margin, touched by the drawing, cuts it at every level unless the mask is closed.
        levels += [(base - f * (base - FLOOR), False) for f in LOWER if base - FLOOR > 8]
        levels += [(base, True)] if CLOSE else []
    limit = max_area if max_area is not None else 0.6 * float(gray.size)
    quads: list[Quad] = []
    extent: dict[int, tuple[float, ...]] = {}  # id(quad) -> box and centre, computed once per quad
    for level, closed in levels:
        _, mask = cv2.threshold(gray, level, 255, cv2.THRESH_BINARY)
        if closed:
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (CLOSE, CLOSE)))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        doubtful = False
        for contour in contours:
            quad = _card_quad(contour, min_area, limit, level)
            if quad is None:
                doubtful |= cv2.contourArea(contour) >= min_area
                continue
            doubtful |= quad.score < CLEAN_SCORE
            extent[id(quad)] = mine = _extent(quad.corners)
            same = [q for q in quads if _overlaps(mine, extent[id(q)])]
            if same:
                if any(quad.area < PIECE * q.area for q in same):
                    continue  # a bright piece inside a card (a face card's panel) is no card of its own
                pieces = [q for q in same if q.area < PIECE * quad.area]
                rivals = [q for q in same if q.area >= PIECE * quad.area]
                # the same card seen at two levels: keep the cleaner rectangle (a card merged with a
                # bright background at a low level separates from it at a higher one)
                if rivals and quad.score <= max(q.score for q in rivals):
                    continue
                quads = [q for q in quads if all(q is not x for x in pieces + rivals)]
            quads.append(quad)
        if not doubtful:
            break  # every bright blob was a clean card (or noise): higher levels would find nothing better
    return [refine_quad(gray, q) for q in quads] if refine else quads


def _extent(corners: np.ndarray) -> tuple[float, ...]:
    """`(*Quad.box(), *Quad.centre())` with one numpy call instead of seven (the same values)."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = corners.tolist()
    centre = corners.mean(axis=0).tolist()  # the float32 mean, as Quad.centre
    return min(ax, bx, cx, dx), min(ay, by, cy, dy), max(ax, bx, cx, dx), max(ay, by, cy, dy), *centre


FLOOR = 110.0  # the lowest level tried: bare felt stays under it
#: levels tried under Otsu's while the blobs are doubtful, as shares of the way down to FLOOR (round 6's candidate
#: (0.5,): more cards found, hardly more read; off, see docs/cards.md)
LOWER: tuple[float, ...] = ()
#: last, Otsu's level again with the mask closed by a CLOSE px ellipse (round 6's candidate 5; 0: off)
CLOSE = 0
PIECE = 0.25  # a blob under a quarter of a card's area inside it is a piece of that card


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether either of two (x0, y0, x1, y1, cx, cy) extents has its centre inside the other's box."""
    return (b[0] <= a[4] <= b[2] and b[1] <= a[5] <= b[3]) or (a[0] <= b[4] <= a[2] and a[1] <= b[5] <= a[3])


CLEAN_SCORE = 0.85  # rectangularity of an unobstructed card minus its aspect error; lower means "look again"
MAX_RATIO = 1.8  # card aspect 1.40; perspective and blur at half resolution stretch a card to ~1.75


def _card_quad(contour: np.ndarray, min_area: float, max_area: float, level: float = 0.0) -> Quad | None:
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
    if not (1.15 <= ratio <= MAX_RATIO) or area / (w * h) < 0.8 or fill < 0.55:
        return None
    return Quad(_order_box(cv2.boxPoints(rect)), float(area), fill - 0.5 * abs(ratio - CARD_ASPECT), level)


def _order_box(points: np.ndarray) -> np.ndarray:
    """`order_corners` of a rotated rectangle that is no square (`_card_quad`'s), in Python floats.

    The angles and side lengths are compared in float64 instead of float32: the order of four corners
    of a rectangle at least 1 px wide is the same either way, and without a square (aspect >= 1.15) the
    short side cannot tie with the long one; the corners returned are the same float32 values.
    """
    xy = points.tolist()
    mx = (xy[0][0] + xy[1][0] + xy[2][0] + xy[3][0]) / 4
    my = (xy[0][1] + xy[1][1] + xy[2][1] + xy[3][1]) / 4
    order = sorted(range(4), key=lambda i: math.atan2(xy[i][1] - my, xy[i][0] - mx))
    (ax, ay), (bx, by), (cx, cy) = xy[order[0]], xy[order[1]], xy[order[2]]
    if math.hypot(bx - ax, by - ay) > math.hypot(cx - bx, cy - by):
        order = order[1:] + order[:1]
    return points[order]


def _fit_sides(points: np.ndarray, starts: np.ndarray, u: np.ndarray, normals: np.ndarray, lengths: np.ndarray,
               tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares lines (centroids, unit directions, point counts) through the points near each side."""
    proj = points @ np.concatenate([u, normals]).T - np.concatenate([(starts * u).sum(1), (starts * normals).sum(1)])
    along = proj[:, :4] / lengths
    weight = ((along > 0.18) & (along < 0.82) & (np.abs(proj[:, 4:]) < tol)).astype(np.float64)
    x, y = points[:, 0], points[:, 1]
    moments = weight.T @ np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=1)  # (4, 6)
    count = np.maximum(moments[:, 0], 1.0)
    mx, my = moments[:, 1] / count, moments[:, 2] / count
    sxx = moments[:, 3] / count - mx * mx
    syy = moments[:, 4] / count - my * my
    sxy = moments[:, 5] / count - mx * my
    angle = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # principal direction of each side's points
    return np.stack([mx, my], axis=1), np.stack([np.cos(angle), np.sin(angle)], axis=1), moments[:, 0]


def _edge_lines(points: np.ndarray, corners: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Lines (points (4, 2), unit directions (4, 2)) fitted to the outline along the middle of each side.

    Only the middle of each side counts (cards have rounded corners) and only points within `tol` of the
    coarse side (a finger's bite lies far inside); a second pass keeps the points within 1.5 px of the
    first fit. Lines are pushed half a pixel outwards: outline points are the outermost card pixels' centres.
    """
    sides = np.roll(corners, -1, axis=0) - corners
    lengths = np.hypot(sides[:, 0], sides[:, 1])
    if float(lengths.min()) < 4:
        return None
    u = sides / lengths[:, None]
    normals = np.stack([u[:, 1], -u[:, 0]], axis=1)  # outwards for a clockwise (y down) quad
    centres, directions, count = _fit_sides(points, corners, u, normals, lengths, tol)
    if float(count.min()) < 6:
        return None
    # second pass: the fitted lines, measured from their own centroids, with a tight band
    flip = np.where((directions * u).sum(1, keepdims=True) < 0, -1.0, 1.0)
    u2 = directions * flip
    normals2 = np.stack([u2[:, 1], -u2[:, 0]], axis=1)
    starts2 = centres - 0.5 * lengths[:, None] * u2
    centres2, directions2, count2 = _fit_sides(points, starts2, u2, normals2, lengths, 1.5)
    if float(count2.min()) >= 6:
        centres, directions = centres2, directions2
    return centres + 0.5 * normals, directions


def refine_quad(gray: np.ndarray, quad: Quad) -> Quad:
    """The quad's corners fitted at full resolution: four edge lines through the outline, intersected.

    The coarse quad is a rotated rectangle from a half-resolution outline; a card seen in perspective is
    no rectangle, and its index patch is cut from the corners, so the corners matter (the median corner
    error falls from ~5 % to ~2 % of the card width on the held-out sets). The quad is kept as it was
    when an edge has too few outline points or the fit moves a corner implausibly far.
    """
    c = quad.corners
    width = float(np.linalg.norm(c[1] - c[0]))
    pad = int(max(4.0, 0.12 * width))
    x0, y0 = max(0, int(c[:, 0].min()) - pad), max(0, int(c[:, 1].min()) - pad)
    x1, y1 = min(gray.shape[1], int(c[:, 0].max()) + pad + 1), min(gray.shape[0], int(c[:, 1].max()) + pad + 1)
    if quad.level <= 0 or x1 - x0 < 8 or y1 - y0 < 8:
        return quad
    _, mask = cv2.threshold(gray[y0:y1, x0:x1], quad.level, 255, cv2.THRESH_BINARY)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return quad
    points = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    lines = _edge_lines(points, c.astype(np.float64) - (x0, y0), max(2.0, 0.06 * width))
    if lines is None:
        return quad
    # neighbouring lines intersected, in Python floats: the same float64 steps as on numpy rows
    points, directions = lines[0].tolist(), lines[1].tolist()
    found = []
    for i in range(4):
        (px, py), (rx, ry) = points[i - 1], directions[i - 1]
        (qx, qy), (sx, sy) = points[i], directions[i]
        det = rx * sy - ry * sx
        if abs(det) < 1e-3:
            return quad
        t = ((qx - px) * sy - (qy - py) * sx) / det
        found.append((px + t * rx + x0, py + t * ry + y0))
    corners = np.array(found, np.float32)
    if float(np.abs(corners - c).max()) > 0.2 * width:
        return quad
    return Quad(corners, quad.area, quad.score, quad.level)


_CARD_W = PATCH_W / REGION_W
#: the canonical card whose top-left index region is exactly the patch
_CANONICAL = np.array([[0, 0], [_CARD_W, 0], [_CARD_W, _CARD_W * CARD_ASPECT], [0, _CARD_W * CARD_ASPECT]], np.float32)
_TURNED = [2, 3, 0, 1]  # an odd corner: the quad rolled by two corners (the card turned 180 degrees)


def _homography(corners: np.ndarray) -> np.ndarray:
    """Map the card quad to a canonical card whose top-left index region is exactly the patch."""
    return cv2.getPerspectiveTransform(corners.astype(np.float32), _CANONICAL)


def corner_patches(gray: np.ndarray, quads: list[Quad], corners: tuple[int, ...] = (0, 1)) -> np.ndarray:
    """Index patches per quad, (len(quads) * len(corners), PATCH_H, PATCH_W) uint8, quad-major.

    Corner 0 is the top-left index; corner 1 the bottom-right one turned upright.
    """
    return cut_patches([gray] * len(quads), quads, corners)


def cut_patches(views: list[np.ndarray], quads: list[Quad], corners: tuple[int, ...] = (0, 1)) -> np.ndarray:
    """`corner_patches` of quads each in its own image (`views[i]` holds `quads[i]`), into one array."""
    out = np.empty((len(corners) * len(quads), PATCH_H, PATCH_W), np.uint8)
    k = 0
    for gray, quad in zip(views, quads, strict=True):
        c = quad.corners if quad.corners.dtype == np.float32 else quad.corners.astype(np.float32)
        for corner in corners:
            m = cv2.getPerspectiveTransform(c[_TURNED] if corner % 2 else c, _CANONICAL)
            cv2.warpPerspective(gray, m, (PATCH_W, PATCH_H), out[k], flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
            k += 1
    return out


#: The second look's extra warps of a quad (`look_quads`): shifts along the card's width and height axes by this
#: share of the card width, and scales about the card's centre by 1 -/+ LOOK_SCALE.
LOOK_SHIFT = 0.015
LOOK_SCALE = 0.04


def look_quads(quad: Quad) -> list[Quad]:
    """Six small warps of a card's outline for the second look: shifted +-1.5 % of the card width along each of
    its axes, and scaled 4 % down and up about its centre (the index patches cut through them move a pixel or
    two on a 60 px card; a reading that changes under that was not a sure one)."""
    c = quad.corners.astype(np.float32)
    across = c[1] - c[0]  # the top edge: the card's width axis
    down = c[3] - c[0]
    width = float(np.linalg.norm(across)) or 1.0
    step_u = across / width * (LOOK_SHIFT * width)
    step_v = down / (float(np.linalg.norm(down)) or 1.0) * (LOOK_SHIFT * width)
    centre = c.mean(axis=0)
    moved = [c + step_u, c - step_u, c + step_v, c - step_v,
             centre + (c - centre) * (1 - LOOK_SCALE), centre + (c - centre) * (1 + LOOK_SCALE)]
    return [Quad(m.astype(np.float32), quad.area, quad.score, quad.level) for m in moved]


def normalise(patches: np.ndarray) -> np.ndarray:
    """uint8 patches → float32 (N, 1, H, W), each scaled to zero mean and unit spread (lighting invariance)."""
    x = patches.astype(np.float32)
    x -= x.mean(axis=(1, 2), keepdims=True)  # in place: numpy's std makes the same steps with two more arrays
    x /= np.sqrt(np.mean(x * x, axis=(1, 2), keepdims=True)) + 8.0
    return x[:, None]
