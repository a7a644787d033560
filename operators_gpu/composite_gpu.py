"""The device side of compositing: the overlay's dirty pixels as flat index lists, blended by torch or CuPy.

Per device and pixel format the overlay is uploaded once: for each plane, the flat indices of its dirty
pixels, their premultiplied values and `255 - alpha`. A frame then costs one gather-blend-scatter per
plane. With CuPy on a CUDA device the blend is one fused elementwise kernel per plane (three launches
a frame); otherwise it is a handful of torch ops per plane. Both match the numpy twin bit for bit.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from ggpgfx.operators_gpu.composite import Overlay, _check, div255

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame

log = logging.getLogger("ggpgfx.operators_gpu")

_BLEND_SOURCE = """
int v = (int)plane[index] * keep + 128;
v = pre + ((v + (v >> 8)) >> 8);
plane[index] = (unsigned char)(v > 255 ? 255 : v);
"""
_cupy_kernel: Any = None
_cupy_failed = False


def _flat_indices(rects: list[tuple[int, int, int, int]], origin_x: int, origin_y: int, plane_w: int,
                  plane_h: int, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat plane indices and overlay-local flat positions of every pixel inside the rectangles."""
    plane_idx, local_rows, local_cols = [], [], []
    for x0, y0, x1, y1 in rects:
        lx0, ly0, lx1, ly1 = x0 // scale, y0 // scale, x1 // scale, y1 // scale
        fy = np.arange(ly0, ly1) + origin_y // scale
        fx = np.arange(lx0, lx1) + origin_x // scale
        ok_y, ok_x = fy < plane_h, fx < plane_w
        ys, xs = np.meshgrid(np.arange(ly0, ly1)[ok_y], np.arange(lx0, lx1)[ok_x], indexing="ij")
        gy, gx = np.meshgrid(fy[ok_y], fx[ok_x], indexing="ij")
        plane_idx.append((gy * plane_w + gx).ravel())
        local_rows.append(ys.ravel())
        local_cols.append(xs.ravel())
    if not plane_idx:
        return np.zeros(0, np.int64), np.zeros((2, 0), np.int64)
    return np.concatenate(plane_idx), np.stack([np.concatenate(local_rows), np.concatenate(local_cols)])


def device_overlay(overlay: Overlay, device: str, pixel_format: str) -> dict[str, Any]:
    """The overlay's index lists and values on `device` for frames of `pixel_format` (cached on the overlay)."""
    import torch

    key = (device, pixel_format)
    cached = overlay.device_cache.get(key)
    if cached is not None:
        return cached
    w, h = overlay.width, overlay.height
    cw, ch = (w + 1) // 2, (h + 1) // 2
    y_idx, y_local = _flat_indices(overlay.rects, overlay.x, overlay.y, w, h, 1)
    c_idx, c_local = _flat_indices(overlay.rects, overlay.x, overlay.y, cw, ch, 2)

    def put(array: np.ndarray, dtype: Any) -> Any:
        return torch.as_tensor(np.ascontiguousarray(array)).to(device=device, dtype=dtype)

    keep_c = 255 - overlay.chroma_alpha[c_local[0], c_local[1]].astype(np.int32)
    planes = [(y_idx, overlay.y_plane[y_local[0], y_local[1]], 255 - overlay.alpha[y_local[0], y_local[1]].astype(
        np.int32))]
    if pixel_format == "nv12":  # U and V interleave: one list covers both
        both = np.stack([c_idx * 2, c_idx * 2 + 1], 1).ravel()
        pre = np.stack([overlay.u_plane[c_local[0], c_local[1]], overlay.v_plane[c_local[0], c_local[1]]], 1).ravel()
        planes.append((both, pre, np.repeat(keep_c, 2)))
    elif pixel_format == "yuv420p":
        for plane in (overlay.u_plane, overlay.v_plane):
            planes.append((c_idx, plane[c_local[0], c_local[1]], keep_c))
    else:
        raise ConfigError(f"compositing needs a yuv420p or nv12 frame, got {pixel_format}")
    cached = {"planes": [(put(i, torch.int64), put(p, torch.int32), put(k, torch.int32)) for i, p, k in planes]}
    overlay.device_cache[key] = cached
    return cached


def _cupy_blend(plane: Any, index: Any, pre: Any, keep: Any) -> bool:
    """One fused CuPy kernel for a plane's blend; False when CuPy cannot run it here."""
    global _cupy_kernel, _cupy_failed
    if _cupy_failed:
        return False
    try:
        import cupy

        if _cupy_kernel is None:
            _cupy_kernel = cupy.ElementwiseKernel("int64 index, int32 pre, int32 keep", "raw uint8 plane",
                                                  _BLEND_SOURCE, "ggp_blend", no_return=True)
        _cupy_kernel(cupy.from_dlpack(index), cupy.from_dlpack(pre), cupy.from_dlpack(keep),
                     cupy.from_dlpack(plane))
        return True
    except Exception as error:  # noqa: BLE001 - any CuPy trouble: keep the torch path, say so once
        _cupy_failed = True
        log.info("CuPy blend unavailable (%s); compositing with torch", error)
        return False


def composite_gpu(frame: VideoFrame, overlay: Overlay, use_cupy: bool = True) -> VideoFrame:
    """Blend the overlay into the torch planes of the frame in place (CUDA or CPU tensors); returns the frame."""
    import torch

    _check(frame, overlay)
    planes = frame.planes
    if not all(isinstance(p, torch.Tensor) for p in planes):
        raise ConfigError("composite_gpu needs torch planes; upload() the frame first")
    device = str(planes[0].device)
    cached = device_overlay(overlay, device, frame.format)
    targets = [planes[0], planes[1]] + ([planes[2]] if frame.format == "yuv420p" else [])
    fused = use_cupy and device.startswith("cuda")
    with torch.no_grad():
        for plane, (index, pre, keep) in zip(targets, cached["planes"], strict=True):
            if not plane.is_contiguous():
                raise ConfigError("composite_gpu needs contiguous planes (upload() makes them so)")
            flat = plane.view(-1)  # a view, so the blend writes the frame
            if fused and _cupy_blend(flat, index, pre, keep):
                continue
            old = flat[index].to(torch.int32)
            flat[index] = (pre + div255(old * keep)).clamp_max(255).to(torch.uint8)
    return frame
