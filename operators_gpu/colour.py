"""yuv420p / NV12 <-> RGB, BT.709 limited range, in 14-bit fixed point: torch kernels and numpy twins.

Both twins do the same integer arithmetic, so they agree bit for bit on any device; against the
floating-point BT.709 formulas they are within one code value. Chroma is the 2x2 mean of the RGB
pixels (sited at the centre of each 2x2 block); upsampling repeats each chroma sample over its block.
Odd sizes repeat the last row/column before subsampling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame

SHIFT = 14
Y_FROM_RGB = (2991, 10064, 1016)  # 219/255 * (0.2126, 0.7152, 0.0722) * 2^14
U_FROM_RGB = (-1649, -5547, 7196)  # each row sums to 0: greys get exactly 128
V_FROM_RGB = (7196, -6536, -660)
RGB_FROM_Y = 19077  # 255/219 * 2^14
R_FROM_V, G_FROM_U, G_FROM_V, B_FROM_U = 29372, 3494, 8731, 34610


# -- numpy twins ---------------------------------------------------------------------------------
def _even_np(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        rgb = np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return rgb


def rgb_to_yuv420p_cpu(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y, U, V planes (uint8) of an (h, w, 3) uint8 RGB image."""
    c = rgb.astype(np.int32)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    y = (Y_FROM_RGB[0] * r + Y_FROM_RGB[1] * g + Y_FROM_RGB[2] * b + (16 << SHIFT) + (1 << (SHIFT - 1))) >> SHIFT
    e = _even_np(rgb).astype(np.int32)
    s = e[0::2, 0::2] + e[1::2, 0::2] + e[0::2, 1::2] + e[1::2, 1::2]  # 2x2 sums: the /4 joins the shift
    rs, gs, bs = s[..., 0], s[..., 1], s[..., 2]
    half = 1 << (SHIFT + 1)
    u = (U_FROM_RGB[0] * rs + U_FROM_RGB[1] * gs + U_FROM_RGB[2] * bs + (128 << (SHIFT + 2)) + half) >> (SHIFT + 2)
    v = (V_FROM_RGB[0] * rs + V_FROM_RGB[1] * gs + V_FROM_RGB[2] * bs + (128 << (SHIFT + 2)) + half) >> (SHIFT + 2)
    return (np.clip(y, 0, 255).astype(np.uint8), np.clip(u, 0, 255).astype(np.uint8),
            np.clip(v, 0, 255).astype(np.uint8))


def yuv420p_to_rgb_cpu(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 RGB from Y, U, V planes."""
    h, w = y.shape
    uu = u.astype(np.int32) - 128
    vv = v.astype(np.int32) - 128
    yy = RGB_FROM_Y * (y.astype(np.int32) - 16) + (1 << (SHIFT - 1))
    chroma = (R_FROM_V * vv, -G_FROM_U * uu - G_FROM_V * vv, B_FROM_U * uu)  # at quarter size
    if h % 2 == 0 and w % 2 == 0:
        # view luma as 2x2 blocks and broadcast each chroma term over its block: no full-size repeat
        blocks = yy.reshape(h // 2, 2, w // 2, 2)
        out = np.empty((h // 2, 2, w // 2, 2, 3), dtype=np.uint8)
        for k, term in enumerate(chroma):
            channel = blocks + term[:, None, :, None]
            channel >>= SHIFT
            out[..., k] = np.clip(channel, 0, 255, out=channel)
        return out.reshape(h, w, 3)
    full = [np.repeat(np.repeat(term, 2, 0), 2, 1)[:h, :w] for term in chroma]
    return np.clip(np.stack([(yy + term) >> SHIFT for term in full], -1), 0, 255).astype(np.uint8)


def nv12_from_yuv420p_cpu(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The interleaved (h/2, w/2, 2) UV plane of NV12."""
    return np.stack([u, v], -1)


def yuv420p_from_nv12_cpu(uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """U and V planes from NV12's interleaved UV plane (copies, contiguous)."""
    return np.ascontiguousarray(uv[..., 0]), np.ascontiguousarray(uv[..., 1])


# -- torch kernels (CUDA, or the CPU when there is none) ------------------------------------------
def _even_torch(rgb: Any) -> Any:
    import torch

    if rgb.shape[0] % 2:
        rgb = torch.cat([rgb, rgb[-1:]], 0)
    if rgb.shape[1] % 2:
        rgb = torch.cat([rgb, rgb[:, -1:]], 1)
    return rgb


def rgb_to_yuv420p_gpu(rgb: Any) -> tuple[Any, Any, Any]:
    """Y, U, V uint8 tensors of an (h, w, 3) uint8 RGB tensor, on the tensor's device."""
    import torch

    c = rgb.to(torch.int32)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    y = (Y_FROM_RGB[0] * r + Y_FROM_RGB[1] * g + Y_FROM_RGB[2] * b + ((16 << SHIFT) + (1 << (SHIFT - 1)))) >> SHIFT
    e = _even_torch(c)
    s = e[0::2, 0::2] + e[1::2, 0::2] + e[0::2, 1::2] + e[1::2, 1::2]
    rs, gs, bs = s[..., 0], s[..., 1], s[..., 2]
    offset = (128 << (SHIFT + 2)) + (1 << (SHIFT + 1))
    u = (U_FROM_RGB[0] * rs + U_FROM_RGB[1] * gs + U_FROM_RGB[2] * bs + offset) >> (SHIFT + 2)
    v = (V_FROM_RGB[0] * rs + V_FROM_RGB[1] * gs + V_FROM_RGB[2] * bs + offset) >> (SHIFT + 2)
    return (y.clamp(0, 255).to(torch.uint8), u.clamp(0, 255).to(torch.uint8), v.clamp(0, 255).to(torch.uint8))


def yuv420p_to_rgb_gpu(y: Any, u: Any, v: Any) -> Any:
    """(h, w, 3) uint8 RGB tensor from Y, U, V tensors."""
    import torch

    h, w = y.shape
    uu = (u.to(torch.int32) - 128).repeat_interleave(2, 0).repeat_interleave(2, 1)[:h, :w]
    vv = (v.to(torch.int32) - 128).repeat_interleave(2, 0).repeat_interleave(2, 1)[:h, :w]
    yy = RGB_FROM_Y * (y.to(torch.int32) - 16) + (1 << (SHIFT - 1))
    rgb = torch.stack([(yy + R_FROM_V * vv) >> SHIFT, (yy - G_FROM_U * uu - G_FROM_V * vv) >> SHIFT,
                       (yy + B_FROM_U * uu) >> SHIFT], -1)
    return rgb.clamp(0, 255).to(torch.uint8)


def nv12_from_yuv420p_gpu(u: Any, v: Any) -> Any:
    """The interleaved UV tensor of NV12."""
    import torch

    return torch.stack([u, v], -1)


def yuv420p_from_nv12_gpu(uv: Any) -> tuple[Any, Any]:
    """U and V tensors from NV12's interleaved UV tensor."""
    return uv[..., 0].contiguous(), uv[..., 1].contiguous()


# -- frames -----------------------------------------------------------------------------------------
def _on_torch(frame: VideoFrame) -> bool:
    return type(frame.planes[0]).__module__.startswith("torch")


def convert_frame(frame: VideoFrame, pixel_format: str) -> VideoFrame:
    """The frame in `pixel_format` (yuv420p, nv12 or rgb24), computed where its planes live."""
    if frame.format == pixel_format:
        return frame
    if frame.format not in CONVERTIBLE or pixel_format not in CONVERTIBLE:
        raise ConfigError(f"cannot convert {frame.format} to {pixel_format}: supported are {', '.join(CONVERTIBLE)}")
    gpu = _on_torch(frame)
    to_rgb, from_rgb = (yuv420p_to_rgb_gpu, rgb_to_yuv420p_gpu) if gpu else (yuv420p_to_rgb_cpu, rgb_to_yuv420p_cpu)
    interleave, split = ((nv12_from_yuv420p_gpu, yuv420p_from_nv12_gpu) if gpu
                         else (nv12_from_yuv420p_cpu, yuv420p_from_nv12_cpu))
    if frame.format == "rgb24":
        y, u, v = from_rgb(frame.planes[0])
    elif frame.format == "nv12":
        y = frame.planes[0]
        u, v = split(frame.planes[1])
    else:
        y, u, v = frame.planes
    if pixel_format == "rgb24":
        planes = [to_rgb(y, u, v)]
    elif pixel_format == "nv12":
        planes = [y, interleave(u, v)]
    else:
        planes = [y, u, v]
    return VideoFrame(planes, pixel_format, frame.width, frame.height, frame.pts, frame.device, dict(frame.meta))


CONVERTIBLE = ("yuv420p", "nv12", "rgb24")
