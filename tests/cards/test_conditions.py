"""Capture conditions: seeded scenes, the H.264 round trip, hole-card camera scenes."""

from __future__ import annotations

import dataclasses

import numpy as np

from ggpgfx.cards.conditions import CONDITIONS, h264_roundtrip, scenes


def test_scenes_are_seeded_and_follow_the_condition() -> None:
    small = CONDITIONS["small"]
    a, b = scenes("classic", small, 3, 5), scenes("classic", small, 3, 5)
    assert all(np.array_equal(x.image, y.image) and x.cards == y.cards for x, y in zip(a, b, strict=True))
    widths = [float(np.linalg.norm(c[1] - c[0])) for s in a for c in s.corners]
    assert widths and all(25 < w < 60 for w in widths)
    hole = scenes("deck:penguins", CONDITIONS["hole-cam"], 2, 1)
    assert all(float(np.linalg.norm(c[1] - c[0])) > 150 for s in hole for c in s.corners)


def test_h264_round_trip_compresses_at_a_broadcast_bitrate() -> None:
    cond = CONDITIONS["h264"]
    plain = scenes("classic", dataclasses.replace(cond, h264=False), 4, 3)
    coded = scenes("classic", cond, 4, 3)
    diffs = [float(np.abs(p.image.astype(int) - c.image).mean()) for p, c in zip(plain, coded, strict=True)]
    assert all(0.5 < d < 20 for d in diffs)  # changed (compressed), still the same picture
    odd = np.full((35, 41), 120, np.uint8)
    assert h264_roundtrip([odd])[0].shape == (35, 41)
