"""Test-pattern pixels shared by the `ingest.test_pattern` node, test clips and probes: bars and a frame counter."""

from __future__ import annotations

import numpy as np

# SMPTE-like bars as limited-range BT.709 Y, U, V (white, yellow, cyan, green, magenta, red, blue, black).
BARS_YUV = [(235, 128, 128), (219, 16, 138), (188, 154, 16), (173, 42, 26),
            (78, 214, 230), (63, 102, 240), (32, 240, 118), (16, 128, 128)]
BARS_RGB = [(235, 235, 235), (235, 235, 16), (16, 235, 235), (16, 235, 16),
            (235, 16, 235), (235, 16, 16), (16, 16, 235), (16, 16, 16)]


def bars_planes(width: int, height: int, pixel_format: str) -> list[np.ndarray]:
    """Colour bars as planes of `pixel_format` (yuv420p, nv12, gray, rgb24, bgr24, rgba)."""
    cols = np.minimum(np.arange(width) * len(BARS_YUV) // width, len(BARS_YUV) - 1)
    if pixel_format in ("yuv420p", "nv12", "gray"):
        yuv = np.array(BARS_YUV, dtype=np.uint8)
        y = np.ascontiguousarray(np.broadcast_to(yuv[cols, 0], (height, width)))
        if pixel_format == "gray":
            return [y]
        ccols = cols[::2]
        u = np.ascontiguousarray(np.broadcast_to(yuv[ccols, 1], ((height + 1) // 2, len(ccols))))
        v = np.ascontiguousarray(np.broadcast_to(yuv[ccols, 2], ((height + 1) // 2, len(ccols))))
        if pixel_format == "nv12":
            return [y, np.ascontiguousarray(np.stack([u, v], axis=-1))]
        return [y, u, v]
    rgb = np.array(BARS_RGB, dtype=np.uint8)[cols]
    image = np.ascontiguousarray(np.broadcast_to(rgb, (height, width, 3)))
    if pixel_format == "bgr24":
        image = np.ascontiguousarray(image[..., ::-1])
    if pixel_format == "rgba":
        image = np.concatenate([image, np.full((height, width, 1), 255, np.uint8)], axis=-1)
    return [image]


def read_counter(luma: np.ndarray) -> int:
    """Decode the frame counter drawn by the test pattern from a luma (or RGB) plane."""
    h, w = luma.shape[:2]
    cell = max(2, w // 40)
    value = 0
    for bit in range(16):
        block = luma[h - cell + cell // 4: h - cell // 4, bit * cell + cell // 4: (bit + 1) * cell - cell // 4]
        if float(np.mean(block)) > 125:
            value |= 1 << bit
    return value
