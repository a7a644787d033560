"""Crop and resize for previews, renditions and detector crops: torch kernels and numpy twins.

Bilinear sampling at pixel centres (OpenCV's INTER_LINEAR geometry) with 8-bit fixed-point weights,
or an exact box mean when the size shrinks by a whole factor (previews: 1080p -> 540p/360p), so both
twins agree bit for bit. Sampling positions and weights are computed once on the host in numpy and
shared by both twins.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame, plane_shapes

WEIGHT_BITS = 8
ONE = 1 << WEIGHT_BITS


def axis_weights(source: int, target: int, start: float = 0.0, length: float | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of `target` samples over [start, start + length) of a `source`-long axis: i0, i1, weight of i1."""
    span = float(source if length is None else length)
    position = start + (np.arange(target) + 0.5) * (span / target) - 0.5
    position = np.clip(position, 0.0, source - 1.0)
    i0 = np.floor(position).astype(np.int64)
    weight = np.rint((position - i0) * ONE).astype(np.int32)
    i1 = np.minimum(i0 + 1, source - 1)
    return i0, i1, weight


def _box_factor(src_h: int, src_w: int, dst_h: int, dst_w: int) -> tuple[int, int] | None:
    if src_h % dst_h == 0 and src_w % dst_w == 0 and (src_h > dst_h or src_w > dst_w):
        return src_h // dst_h, src_w // dst_w
    return None


def resize_plane_cpu(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """A (h, w) or (h, w, c) uint8 plane resized to height x width (numpy twin)."""
    src_h, src_w = plane.shape[:2]
    factor = _box_factor(src_h, src_w, height, width)
    if factor is not None:
        fy, fx = factor
        blocks = plane.reshape(height, fy, width, fx, *plane.shape[2:]).astype(np.int32)
        return ((blocks.sum((1, 3)) + (fy * fx) // 2) // (fy * fx)).astype(np.uint8)
    y0, y1, wy = axis_weights(src_h, height)
    x0, x1, wx = axis_weights(src_w, width)
    return _bilinear_np(plane, y0, y1, wy, x0, x1, wx)


def _bilinear_np(plane: np.ndarray, y0: np.ndarray, y1: np.ndarray, wy: np.ndarray, x0: np.ndarray,
                 x1: np.ndarray, wx: np.ndarray) -> np.ndarray:
    extra = (None,) * (plane.ndim - 2)
    wx_ = wx[(None, slice(None), *extra)]
    wy_ = wy[(slice(None), None, *extra)]
    top = plane[y0].astype(np.int32)
    bottom = plane[y1].astype(np.int32)
    upper = top[:, x0] * (ONE - wx_) + top[:, x1] * wx_
    lower = bottom[:, x0] * (ONE - wx_) + bottom[:, x1] * wx_
    return ((upper * (ONE - wy_) + lower * wy_ + (1 << (2 * WEIGHT_BITS - 1))) >> (2 * WEIGHT_BITS)).astype(np.uint8)


def resize_plane_gpu(plane: Any, height: int, width: int) -> Any:
    """A (h, w) or (h, w, c) uint8 tensor resized to height x width on its device."""
    import torch

    src_h, src_w = plane.shape[:2]
    factor = _box_factor(src_h, src_w, height, width)
    if factor is not None:
        fy, fx = factor
        blocks = plane.reshape(height, fy, width, fx, *plane.shape[2:]).to(torch.int32)
        return ((blocks.sum((1, 3)) + (fy * fx) // 2) // (fy * fx)).to(torch.uint8)
    device = plane.device
    y0, y1, wy = (torch.as_tensor(a, device=device) for a in axis_weights(src_h, height))
    x0, x1, wx = (torch.as_tensor(a, device=device) for a in axis_weights(src_w, width))
    extra = (None,) * (plane.dim() - 2)
    wx_ = wx[(None, slice(None), *extra)]
    wy_ = wy[(slice(None), None, *extra)]
    top = plane[y0].to(torch.int32)
    bottom = plane[y1].to(torch.int32)
    upper = top[:, x0] * (ONE - wx_) + top[:, x1] * wx_
    lower = bottom[:, x0] * (ONE - wx_) + bottom[:, x1] * wx_
    return ((upper * (ONE - wy_) + lower * wy_ + (1 << (2 * WEIGHT_BITS - 1))) >> (2 * WEIGHT_BITS)).to(torch.uint8)


def _on_torch(planes: list[Any]) -> bool:
    return type(planes[0]).__module__.startswith("torch")


def resize_frame(frame: VideoFrame, width: int, height: int) -> VideoFrame:
    """The frame scaled to width x height, plane by plane, where its planes live."""
    if width < 1 or height < 1:
        raise ConfigError(f"resize needs a positive size, got {width}x{height}")
    resize = resize_plane_gpu if _on_torch(frame.planes) else resize_plane_cpu
    shapes = plane_shapes(frame.format, width, height)
    planes = [resize(p, s[0], s[1]) for p, s in zip(frame.planes, shapes, strict=True)]
    return VideoFrame(planes, frame.format, width, height, frame.pts, frame.device, dict(frame.meta))


def crop_frame(frame: VideoFrame, x: int, y: int, width: int, height: int) -> VideoFrame:
    """A copy of the region at (x, y); subsampled formats need even x, y, width and height."""
    if x < 0 or y < 0 or width < 1 or height < 1 or x + width > frame.width or y + height > frame.height:
        raise ConfigError(f"crop {width}x{height}+{x}+{y} lies outside the {frame.width}x{frame.height} frame")
    subsampled = frame.format in ("yuv420p", "nv12")
    if subsampled and (x % 2 or y % 2 or width % 2 or height % 2):
        raise ConfigError(f"{frame.format} crops need even x, y, width and height, got {width}x{height}+{x}+{y}")
    planes = []
    for index, plane in enumerate(frame.planes):
        scale = 2 if subsampled and index > 0 else 1
        region = plane[y // scale:(y + height) // scale, x // scale:(x + width) // scale]
        planes.append(region.clone() if hasattr(region, "clone") else region.copy())
    return VideoFrame(planes, frame.format, width, height, frame.pts, frame.device, dict(frame.meta))


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    height, width = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if height < 1 or width < 1:
        raise ConfigError(f"crop size must be positive, got {size}")
    return height, width


def _box_weights(boxes: np.ndarray, size: tuple[int, int], src_h: int, src_w: int) -> list[np.ndarray]:
    """Per box (N, height) and (N, width) sampling indices and weights along y then x."""
    ys = [axis_weights(src_h, size[0], float(b[1]), float(b[3] - b[1])) for b in boxes]
    xs = [axis_weights(src_w, size[1], float(b[0]), float(b[2] - b[0])) for b in boxes]
    return [np.stack([w[i] for w in ys]) for i in range(3)] + [np.stack([w[i] for w in xs]) for i in range(3)]


def _check_boxes(boxes: Any) -> np.ndarray:
    array = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if np.any(array[:, 2] <= array[:, 0]) or np.any(array[:, 3] <= array[:, 1]):
        raise ConfigError("crop boxes must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0")
    return array


def crop_resize_cpu(image: np.ndarray, boxes: Any, size: int | tuple[int, int]) -> np.ndarray:
    """(N, height, width[, C]) uint8 crops of an (h, w[, C]) image, one per (x0, y0, x1, y1) box (numpy twin)."""
    array = _check_boxes(boxes)
    shape = _size(size)
    y0, y1, wy, x0, x1, wx = _box_weights(array, shape, image.shape[0], image.shape[1])
    out = np.empty((len(array), *shape, *image.shape[2:]), dtype=np.uint8)
    for n in range(len(array)):
        out[n] = _bilinear_np(image, y0[n], y1[n], wy[n], x0[n], x1[n], wx[n])
    return out


def crop_resize_gpu(image: Any, boxes: Any, size: int | tuple[int, int]) -> Any:
    """(N, height, width[, C]) uint8 crops of an (h, w[, C]) tensor (a Y plane too), in one batch of gathers."""
    import torch

    array = _check_boxes(boxes)
    device = image.device
    y0, y1, wy, x0, x1, wx = (torch.as_tensor(a, device=device)
                              for a in _box_weights(array, _size(size), image.shape[0], image.shape[1]))
    plane = image.dim() == 2
    img = (image[..., None] if plane else image).to(torch.int32)
    wx_ = wx[:, None, :, None]
    wy_ = wy[:, :, None, None]

    def row(ys: Any) -> Any:
        return img[ys[:, :, None], x0[:, None, :]] * (ONE - wx_) + img[ys[:, :, None], x1[:, None, :]] * wx_

    mixed = row(y0) * (ONE - wy_) + row(y1) * wy_ + (1 << (2 * WEIGHT_BITS - 1))
    out = (mixed >> (2 * WEIGHT_BITS)).to(torch.uint8)
    return out[..., 0] if plane else out
