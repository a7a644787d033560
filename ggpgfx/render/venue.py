"""Venue safety: the parts of a camera frame where hole cards lie, covered whatever the camera shows.

A venue (in-room) output must never show a hole card, in the overlay or in the picture under it. The
overlay's `reveal: live` takes care of its own layer; a camera can still see cards on the felt (the
simulator draws them face up for the vision tests). Sources that know where hole cards lie say so in
`frame.meta["zones"]` (the calibration the card detector uses): a venue-safe output fills every seat
zone with the colour of the felt around it, so what it shows there cannot depend on the cards.
"""

from __future__ import annotations

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
    for x0, y0, x1, y1 in boxes:
        for index, plane in enumerate(frame.planes[:3]):
            div = 1 if index == 0 else 2
            box = (x0 // div, y0 // div, x1 // div, y1 // div)
            plane[box[1]:box[3], box[0]:box[2]] = _ring_median(plane, box, max(1, RING_PX // div))
    if boxes and frame.meta.get("visible_cards"):
        # the simulator lists the cards it drew: a venue output keeps only the ones outside seat zones
        frame.meta["visible_cards"] = [c for c in frame.meta["visible_cards"] if c and c[0] != "seat"]
    return len(boxes)
