"""The device side of compositing: an overlay's plane stacks uploaded once, blended by CuPy or torch.

With CuPy on a CUDA device each plane is one fused elementwise kernel (gather, every depth of the
stack, scatter): three launches a frame however many layers. Otherwise (torch on CUDA without CuPy, or
torch on the CPU) the same arithmetic runs as a few torch ops per plane and depth. Both equal the numpy
twin and the render compositor bit for bit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

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
