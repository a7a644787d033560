"""Venue safety: seat zones of a camera frame are covered with the felt around them, whatever they held."""

from __future__ import annotations

import numpy as np

from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.venue import cover_seat_zones, seat_zone_boxes

ZONES = [{"name": "seat1", "zone": "seat", "seat": 1, "polygon": [[41, 21], [101, 21], [101, 61], [41, 61]]},
         {"name": "board", "zone": "board", "seat": -1, "polygon": [[120, 20], [200, 20], [200, 60], [120, 60]]}]


def _frame(seed: int) -> VideoFrame:
    frame = VideoFrame.blank(256, 128)
    frame.planes[0][:] = 60  # the felt
    rng = np.random.default_rng(seed)
    frame.planes[0][22:60, 42:100] = rng.integers(0, 255, (38, 58), dtype=np.uint8)  # cards in the seat zone
    frame.planes[0][22:60, 122:198] = 200  # board cards stay
    frame.meta.update(zones=ZONES, visible_cards=[("seat", 1, "As"), ("board", -1, "Kd")])
    return frame


def test_seat_zones_cover_to_the_same_pixels_whatever_they_held() -> None:
    assert seat_zone_boxes({"zones": ZONES}, 256, 128) == [(40, 20, 102, 62)]
    one, two = _frame(1), _frame(2)
    assert not np.array_equal(one.planes[0], two.planes[0])
    assert cover_seat_zones(one) == cover_seat_zones(two) == 1
    for a, b in zip(one.planes, two.planes, strict=True):
        assert np.array_equal(a, b)
    assert (one.planes[0][20:62, 40:102] == 60).all() and (one.planes[0][30, 150] == 200)
    assert one.meta["visible_cards"] == [("board", -1, "Kd")]


def test_frames_without_zones_are_left_alone() -> None:
    frame = _frame(3)
    frame.meta.pop("zones")
    before = frame.planes[0].copy()
    assert cover_seat_zones(frame) == 0 and np.array_equal(frame.planes[0], before)


def test_ring_median_is_numpys_median_of_the_ring_around_the_box() -> None:
    """The counting median over the ring's four strips equals np.median over a mask of the widened box."""
    from ggpgfx.render.venue import _ring_median

    rng = np.random.default_rng(5)
    for _ in range(500):
        h, w = (int(n) for n in rng.integers(4, 40, 2))
        plane = rng.integers(0, 256, (h, w), dtype=np.uint8)
        x0 = int(rng.integers(0, w))
        x1 = int(rng.integers(x0, w + 1))
        y0 = int(rng.integers(0, h))
        y1 = int(rng.integers(y0, h + 1))
        ring = int(rng.integers(1, 5))
        oy0, ox0 = max(0, y0 - ring), max(0, x0 - ring)
        outer = plane[oy0:min(h, y1 + ring), ox0:min(w, x1 + ring)]
        mask = np.ones(outer.shape, bool)
        mask[y0 - oy0:y1 - oy0, x0 - ox0:x1 - ox0] = False
        expected = int(np.median(outer[mask])) if mask.any() else 128
        assert _ring_median(plane, (x0, y0, x1, y1), ring) == expected


def _cover_one_by_one(frame: VideoFrame) -> None:
    """The cover as first written: zone after zone, each plane's ring median taken just before its fill."""
    from ggpgfx.render.venue import RING_PX, _ring_median

    for x0, y0, x1, y1 in seat_zone_boxes(frame.meta, frame.width, frame.height):
        for index, plane in enumerate(frame.planes):
            div = 1 if index == 0 else 2
            box = (x0 // div, y0 // div, x1 // div, y1 // div)
            plane[box[1]:box[3], box[0]:box[2]] = _ring_median(plane, box, max(1, RING_PX // div))


def test_all_zones_at_once_cover_as_zone_after_zone_did() -> None:
    """The medians of every zone come from one count per plane (#21), the same bytes as one zone at a time, also
    where zones touch, overlap or meet the frame's edge (rings that read a zone filled before: one at a time)."""
    from ggpgfx.render.venue import _ring_plan

    rng = np.random.default_rng(11)
    for trial in range(40):
        frame = VideoFrame.blank(320, 180)
        for plane in frame.planes:
            plane[:] = rng.integers(0, 256, plane.shape, dtype=np.uint8)
        zones = []
        for seat in range(int(rng.integers(1, 10))):
            x, y = int(rng.integers(-10, 300)), int(rng.integers(-10, 160))
            w, h = int(rng.integers(2, 60)), int(rng.integers(2, 40))
            zones.append({"zone": "seat", "seat": seat, "polygon": [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]})
        frame.meta["zones"] = zones
        expected = frame.copy()
        _cover_one_by_one(expected)
        cover_seat_zones(frame)
        for got, want in zip(frame.planes, expected.planes, strict=True):
            assert np.array_equal(got, want), trial
    apart = ((0, 0, 10, 10), (20, 0, 30, 10))
    assert _ring_plan(apart, (100, 100), 3) is not None
    assert _ring_plan(((0, 0, 10, 10), (12, 0, 30, 10)), (100, 100), 3) is None  # the second ring reads the first
