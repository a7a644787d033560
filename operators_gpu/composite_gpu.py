"""The device side of compositing: an overlay's plane stacks uploaded once, blended by CuPy or torch.

With CuPy on a CUDA device each plane is one fused elementwise kernel (gather, every depth of the
stack, scatter): three launches a frame however many layers. Otherwise (torch on CUDA without CuPy, or
torch on the CPU) the same arithmetic runs as a few torch ops per plane and depth. Both equal the numpy
twin and the render compositor bit for bit.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from ggpgfx.operators_gpu.composite import Overlay, PlaneStack, blend_stack, check_frame, prepare_overlay

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.layers import Layer

log = logging.getLogger("ggpgfx.operators_gpu")

_BLEND_SOURCE = """
long long at = (long long)index * plane_step + plane_offset;
int v = plane[at];
for (int level = 0; level < levels; ++level) {
    int t = v * inv[level * pixels + i] + pm[level * pixels + i] + 128;
    v = (t + (t >> 8)) >> 8;
}
plane[at] = (unsigned char)v;
"""
_cupy_kernel: list[Any] = []
_cupy_failed: list[bool] = []


def device_overlay(overlay: Overlay, device: str) -> list[tuple[Any, Any, Any]]:
    """(index, pm, inv) tensors of the luma, U and V stacks on `device`, uploaded once per overlay."""
    import torch

    key = (device, "stacks")
    cached = overlay.device_cache.get(key)
    if cached is None:
        def put(stack: PlaneStack) -> tuple[Any, Any, Any]:
            return (torch.as_tensor(stack.index).to(device=device, dtype=torch.int64),
                    torch.as_tensor(stack.pm).to(device).contiguous(),
                    torch.as_tensor(stack.inv).to(device).contiguous())

        cached = [put(overlay.luma), put(overlay.chroma[0]), put(overlay.chroma[1])]
        overlay.device_cache[key] = cached
    return list(cached)


def _cupy_blend(flat: Any, index: Any, pm: Any, inv: Any, step: int, offset: int) -> bool:
    """One fused CuPy kernel for a plane; False when CuPy cannot run here (then torch does it)."""
    if _cupy_failed:
        return False
    try:
        import cupy

        if not _cupy_kernel:
            _cupy_kernel.append(cupy.ElementwiseKernel(
                "int64 index, raw int32 pm, raw int32 inv, int32 levels, int64 pixels, int64 plane_step, "
                "int64 plane_offset",
                "raw uint8 plane", _BLEND_SOURCE, "ggp_overlay_blend"))
        if index.numel() == 0:
            return True
        # raw arrays are indexed linearly: hand them over flat (contiguous views, no copy)
        _cupy_kernel[0](cupy.from_dlpack(index), cupy.from_dlpack(pm.reshape(-1)), cupy.from_dlpack(inv.reshape(-1)),
                        int(pm.shape[0]), int(index.numel()), step, offset, cupy.from_dlpack(flat))
        return True
    except Exception as error:  # noqa: BLE001 - any CuPy trouble: keep the torch path, say so once
        _cupy_failed.append(True)
        log.info("CuPy blend unavailable (%s); compositing with torch", error)
        return False


def cupy_blend_failed() -> bool:
    """True once the fused CuPy blend failed here and compositing fell back to torch."""
    return bool(_cupy_failed)


def composite_gpu(frame: VideoFrame, overlay: Overlay, use_cupy: bool = True) -> VideoFrame:
    """Blend the overlay into the frame's torch planes in place (CUDA or CPU tensors); returns the frame."""
    import torch

    check_frame(frame, overlay)
    planes = frame.planes
    if not all(isinstance(p, torch.Tensor) and p.is_contiguous() for p in planes):
        raise ConfigError("composite_gpu needs contiguous torch planes; upload() the frame first")
    device = str(planes[0].device)
    luma, u_stack, v_stack = device_overlay(overlay, device)
    if frame.format == "yuv420p":
        targets = [(planes[0], luma, 1, 0), (planes[1], u_stack, 1, 0), (planes[2], v_stack, 1, 0)]
    else:
        targets = [(planes[0], luma, 1, 0), (planes[1], u_stack, 2, 0), (planes[1], v_stack, 2, 1)]
    fused = use_cupy and device.startswith("cuda")
    with torch.no_grad():
        for plane, (index, pm, inv), step, offset in targets:
            flat = plane.view(-1)  # a view: the blend writes the frame itself
            if fused and _cupy_blend(flat, index, pm, inv, step, offset):
                continue
            at = index * step + offset if step != 1 else index
            flat[at] = blend_stack(flat[at].to(torch.int32), pm, inv).to(torch.uint8)
    return frame


def composite_layers_gpu(frame: VideoFrame, layers: Sequence[Layer], overlay: Overlay | None = None
                         ) -> tuple[VideoFrame, Overlay]:
    """Prepare (unless given) and blend a layer set into a device frame; returns the frame and the overlay."""
    if overlay is None:
        overlay = prepare_overlay(layers, frame.width, frame.height)
    return composite_gpu(frame, overlay), overlay


class LayerUploads:
    """Device copies of layer planes (as int32), uploaded once per numpy array: the render scene caches its
    layers, so an element that did not change costs no copy; a moved or faded one reuses its planes."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._cache: dict[int, tuple[weakref.ref[np.ndarray], Any]] = {}
        self.uploads = 0

    def get(self, array: np.ndarray) -> Any:
        """The device tensor of this array (uploaded on first sight, kept while the array lives)."""
        import torch

        key = id(array)
        hit = self._cache.get(key)
        if hit is not None and hit[0]() is array:
            return hit[1]
        tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.int32)).to(self.device)
        self._cache[key] = (weakref.ref(array, lambda _ref, key=key: self._cache.pop(key, None)), tensor)
        self.uploads += 1
        return tensor


def _clip(start: int, size: int, limit: int) -> tuple[int, int, int]:
    """(destination start, source start, length) of a span clipped to [0, limit), as the render compositor."""
    d0, s0 = start, 0
    if d0 < 0:
        s0, d0 = -d0, 0
    return d0, s0, max(0, min(size - s0, limit - d0))


def _blend_torch(dst: Any, pm: Any, inv: Any, opacity: int) -> None:
    """The render compositor's integer blend of one plane region, in int32 on the region's device."""
    import torch

    if opacity < 256:
        pm = (pm * opacity) >> 8
        inv = 255 - (((255 - inv) * opacity) >> 8)
    t = dst.to(torch.int32) * inv + pm + 128
    dst.copy_(((t + (t >> 8)) >> 8).to(torch.uint8))


def composite_layers_torch(frame: VideoFrame, layers: Sequence[Layer], uploads: LayerUploads) -> VideoFrame:
    """Blend layers (bottom first) into a yuv420p frame's torch planes in place, layer by layer, only over
    each layer's rectangle: the device twin of `ggpgfx.render.composite.composite_layers` (same bytes).

    Unlike `composite_gpu` it needs no `prepare_overlay` per layer set, so animated overlays (whose layer
    set changes every frame) cost only the uploads of layers not seen before."""
    import torch

    if frame.format != "yuv420p":
        raise ConfigError(f"the overlay composites into yuv420p frames, got {frame.format}")
    y_plane, u_plane, v_plane = frame.planes
    if not all(isinstance(p, torch.Tensor) for p in frame.planes):
        raise ConfigError("composite_layers_torch needs torch planes; upload() the frame first")
    with torch.no_grad():
        for layer in layers:
            if layer.opacity <= 0:
                continue
            dy, sy, hh = _clip(layer.y, layer.height, frame.height)
            dx, sx, ww = _clip(layer.x, layer.width, frame.width)
            if hh <= 0 or ww <= 0:
                continue
            _blend_torch(y_plane[dy:dy + hh, dx:dx + ww], uploads.get(layer.y_pm)[sy:sy + hh, sx:sx + ww],
                         uploads.get(layer.y_inv)[sy:sy + hh, sx:sx + ww], layer.opacity)
            cdy, csy, chh = _clip(layer.y // 2, layer.c_inv.shape[0], u_plane.shape[0])
            cdx, csx, cww = _clip(layer.x // 2, layer.c_inv.shape[1], u_plane.shape[1])
            if chh <= 0 or cww <= 0:
                continue
            inv = uploads.get(layer.c_inv)[csy:csy + chh, csx:csx + cww]
            _blend_torch(u_plane[cdy:cdy + chh, cdx:cdx + cww], uploads.get(layer.u_pm)[csy:csy + chh, csx:csx + cww],
                         inv, layer.opacity)
            _blend_torch(v_plane[cdy:cdy + chh, cdx:cdx + cww], uploads.get(layer.v_pm)[csy:csy + chh, csx:csx + cww],
                         inv, layer.opacity)
    return frame
