"""Venue safety: the parts of a camera frame where hole cards lie, covered whatever the camera shows.

A venue (in-room) output must never show a hole card, in the overlay or in the picture under it. The
overlay's `reveal: live` takes care of its own layer; a camera can still see cards on the felt (the
simulator draws them face up for the vision tests). Sources that know where hole cards lie say so in
`frame.meta["zones"]` (the calibration the card detector uses): a venue-safe output fills every seat
zone with the colour of the felt around it, so what it shows there cannot depend on the cards.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ggpgfx.media.frames import VideoFrame

#: Pixels of the ring around a zone whose median colour fills it (the felt next to the cards).
RING_PX = 3


def seat_zone_boxes(meta: dict[str, Any], width: int, height: int) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of every seat zone a frame declares, clipped to the frame and widened to even edges."""
    return zone_boxes(meta, width, height, "seat")


def zone_boxes(meta: dict[str, Any], width: int, height: int, kind: str) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of every zone of one kind (seat, board, muck) a frame declares, clipped to the frame."""
    boxes = []
    for zone in meta.get("zones") or ():
        if zone.get("zone") != kind or not zone.get("polygon"):
            continue
        xs = [int(p[0]) for p in zone["polygon"]]
        ys = [int(p[1]) for p in zone["polygon"]]
        x0, y0 = max(0, min(xs)) & ~1, max(0, min(ys)) & ~1
        x1, y1 = min(width, (max(xs) + 1) & ~1), min(height, (max(ys) + 1) & ~1)
        if x1 > x0 and y1 > y0:
            boxes.append((x0, y0, x1, y1))
    return boxes


def _ring_median(plane: np.ndarray, box: tuple[int, int, int, int], ring: int) -> int:
    """Median of the pixels within `ring` of the box, outside it (clipped to the plane).

    The four strips of the ring are taken directly (top and bottom full width, left and right the box's
    height): the same pixels a mask over the widened box selects, without building the mask and indexing the
    whole zone through it (27 zone-sized masks a 1080p frame of a nine-seat table, ~0.3 ms)."""
    x0, y0, x1, y1 = box
    h, w = plane.shape[:2]
    ox0, oy0, ox1, oy1 = max(0, x0 - ring), max(0, y0 - ring), min(w, x1 + ring), min(h, y1 + ring)
    strips = (plane[oy0:y0, ox0:ox1], plane[y1:oy1, ox0:ox1], plane[y0:y1, ox0:x0], plane[y0:y1, x1:ox1])
    values = np.concatenate([strip.reshape(-1) for strip in strips])
    if not values.size:
        return 128
    if values.dtype != np.uint8:
        return int(np.median(values))
    # np.median of 8-bit values by counting: the middle one (or the mean of the middle two, as np.median)
    below = np.cumsum(np.bincount(values, minlength=256))
    low = int(np.searchsorted(below, (values.size - 1) // 2, side="right"))
    high = int(np.searchsorted(below, values.size // 2, side="right"))
    return (low + high) // 2


def cover_seat_zones(frame: VideoFrame) -> int:
    """Fill every seat zone of a yuv420p frame (writable planes) with the felt colour around it; returns how many."""
    boxes = seat_zone_boxes(frame.meta, frame.width, frame.height)
    for index, plane in enumerate(frame.planes[:3]):
        div = 1 if index == 0 else 2
        plane_boxes = [(x0 // div, y0 // div, x1 // div, y1 // div) for x0, y0, x1, y1 in boxes]
        ring = max(1, RING_PX // div)
        plan = _ring_plan(tuple(plane_boxes), plane.shape[:2], ring) if _plannable(plane) else None
        if plan is None:  # another kind of plane, or rings that read zones filled before them: one by one
            for box in plane_boxes:
                plane[box[1]:box[3], box[0]:box[2]] = _ring_median(plane, box, ring)
            continue
        for box, value in zip(plane_boxes, plan.medians(plane), strict=True):
            plane[box[1]:box[3], box[0]:box[2]] = value
    if boxes and frame.meta.get("visible_cards"):
        # the simulator lists the cards it drew: a venue output keeps only the ones outside seat zones
        frame.meta["visible_cards"] = [c for c in frame.meta["visible_cards"] if c and c[0] != "seat"]
    return len(boxes)


def _plannable(plane: Any) -> bool:
    return isinstance(plane, np.ndarray) and plane.dtype == np.uint8 and plane.ndim == 2 and plane.flags.c_contiguous


@dataclass(frozen=True)
class _RingPlan:
    """Where the rings of one plane's zones lie, so their medians come from one gather and one count.

    The medians equal `_ring_median` box by box as `cover_seat_zones` filled them one after another only
    because no ring reads a zone filled before it (`_ring_plan` returns None otherwise)."""

    pixels: np.ndarray  # flat positions (C order) of the ring pixels of every zone, zone after zone
    bins: np.ndarray  # 256 * the zone's position, per ring pixel: its value's bin is bins + value
    sizes: np.ndarray  # ring pixels per zone

    def medians(self, plane: np.ndarray) -> list[int]:
        """Each zone's ring median (128 for an empty ring), as `_ring_median` counts it."""
        zones = len(self.sizes)
        values = plane.reshape(-1).take(self.pixels)
        below = np.bincount(self.bins + values, minlength=zones * 256).reshape(zones, 256).cumsum(axis=1)
        # searchsorted(side="right") in each zone's running count: how many counts are at or under the rank
        low = (below <= ((self.sizes - 1) // 2)[:, None]).sum(axis=1)
        high = (below <= (self.sizes // 2)[:, None]).sum(axis=1)
        return [int(m) if n else 128 for m, n in zip((low + high) // 2, self.sizes, strict=True)]


@functools.lru_cache(maxsize=16)
def _ring_plan(boxes: tuple[tuple[int, int, int, int], ...], shape: tuple[int, int], ring: int) -> _RingPlan | None:
    """The rings of these boxes in a plane of this shape (cameras keep their zones: computed once per camera)."""
    h, w = shape
    pixels: list[np.ndarray] = []
    sizes = []
    for j, (x0, y0, x1, y1) in enumerate(boxes):
        if not (0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h):
            return None
        ox0, oy0, ox1, oy1 = max(0, x0 - ring), max(0, y0 - ring), min(w, x1 + ring), min(h, y1 + ring)
        if any(bx0 < ox1 and ox0 < bx1 and by0 < oy1 and oy0 < by1 for bx0, by0, bx1, by1 in boxes[:j]):
            return None
        # the ring's strips in `_ring_median`'s order (the median does not depend on it)
        strips = ((oy0, y0, ox0, ox1), (y1, oy1, ox0, ox1), (y0, y1, ox0, x0), (y0, y1, x1, ox1))
        size = 0
        for r0, r1, c0, c1 in strips:
            if r1 > r0 and c1 > c0:
                pixels.append((np.arange(r0, r1, dtype=np.intp)[:, None] * w + np.arange(c0, c1)).reshape(-1))
                size += (r1 - r0) * (c1 - c0)
        sizes.append(size)
    counts = np.array(sizes, dtype=np.intp)
    empty = np.zeros(0, dtype=np.intp)
    bins = np.repeat(np.arange(len(boxes), dtype=np.intp) * 256, counts)
    return _RingPlan(np.concatenate(pixels) if pixels else empty, bins, counts)
