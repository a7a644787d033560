"""VideoFrame, AudioFrame and Packet: the media messages that cross graph ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

#: Pixel formats and their plane layouts as (height divisor, width divisor, channels) per plane.
PLANE_LAYOUTS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "yuv420p": ((1, 1, 1), (2, 2, 1), (2, 2, 1)),
    "yuva420p": ((1, 1, 1), (2, 2, 1), (2, 2, 1), (1, 1, 1)),  # alpha: full range, 0 = transparent
    "nv12": ((1, 1, 1), (2, 2, 2)),
    "gray": ((1, 1, 1),),
    "rgb24": ((1, 1, 3),),
    "bgr24": ((1, 1, 3),),
    "rgba": ((1, 1, 4),),
}

#: Neutral (black) value of each plane for limited-range YUV.
_BLACK = {"yuv420p": (16, 128, 128), "yuva420p": (16, 128, 128, 0), "nv12": (16, 128), "gray": (0,), "rgb24": (0,),
          "bgr24": (0,), "rgba": (0,)}


def plane_shapes(pixel_format: str, width: int, height: int) -> list[tuple[int, ...]]:
    """Array shapes of each plane of a frame with this format and size."""
    try:
        layout = PLANE_LAYOUTS[pixel_format]
    except KeyError:
        raise ValueError(f"unknown pixel format {pixel_format!r}; known: {', '.join(PLANE_LAYOUTS)}") from None
    shapes: list[tuple[int, ...]] = []
    for hdiv, wdiv, channels in layout:
        h, w = (height + hdiv - 1) // hdiv, (width + wdiv - 1) // wdiv
        shapes.append((h, w) if channels == 1 else (h, w, channels))
    return shapes


def plane_sizes(pixel_format: str, width: int, height: int) -> list[int]:
    """Bytes of each plane (uint8) of a frame with this format and size."""
    sizes = []
    for shape in plane_shapes(pixel_format, width, height):
        size = 1
        for extent in shape:
            size *= extent
        sizes.append(size)
    return sizes


def contiguous_planes(pixel_format: str, width: int, height: int) -> list[np.ndarray]:
    """Uninitialised planes of one frame laid back to back in one buffer (Y, then U, then V, rows unpadded):
    an encoder can take such a frame as one picture without copying it (`av_convert.video_to_av`)."""
    sizes = plane_sizes(pixel_format, width, height)
    return split_buffer(np.empty(sum(sizes), dtype=np.uint8), sizes, plane_shapes(pixel_format, width, height))


def split_buffer(buffer: np.ndarray, sizes: list[int], shapes: list[tuple[int, ...]] | None = None) -> list[np.ndarray]:
    """Views of a flat buffer, one per size, back to back from its start (each reshaped when `shapes` is given):
    the one way a frame's planes are laid out in one buffer here (`contiguous_planes`, the ring slots of
    cross-fragment edges)."""
    parts, start = [], 0
    for index, size in enumerate(sizes):
        part = buffer[start: start + size]
        parts.append(part.reshape(shapes[index]) if shapes is not None else part)
        start += size
    return parts


def _copy_plane(plane: Any) -> Any:
    """Deep copy of a numpy, CuPy or torch plane (torch tensors copy with clone())."""
    if hasattr(plane, "clone") and not hasattr(plane, "copy"):
        return plane.clone()
    return plane.copy()


@dataclass(slots=True)
class VideoFrame:
    """A video frame: planes in host (numpy) or device (CuPy/torch) memory, format, size and pts (µs)."""

    #: Ports of this type carry VideoCaps (pixel format, size) that validation negotiates (see graph.ports).
    negotiates_caps: ClassVar[bool] = True

    planes: list[Any]
    format: str
    width: int
    height: int
    pts: int = 0
    device: str = "cpu"
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def blank(cls, width: int, height: int, pixel_format: str = "yuv420p", pts: int = 0) -> VideoFrame:
        """A black frame of the given size and format."""
        planes = contiguous_planes(pixel_format, width, height)
        for plane, value in zip(planes, _BLACK[pixel_format], strict=False):
            plane.fill(value)
        return cls(planes, pixel_format, width, height, pts)

    @classmethod
    def empty(cls, width: int, height: int, pixel_format: str = "yuv420p", pts: int = 0) -> VideoFrame:
        """A frame with uninitialised planes (np.empty: no fill pass), for a producer that writes every pixel; the
        planes lie back to back in one buffer (`contiguous_planes`)."""
        return cls(contiguous_planes(pixel_format, width, height), pixel_format, width, height, pts)

    @classmethod
    def on_buffers(cls, buffers: list[np.ndarray], width: int, height: int, pixel_format: str = "yuv420p",
                   pts: int = 0) -> VideoFrame:
        """A frame whose planes view the given flat uint8 buffers, one per plane (sizes as `plane_sizes`)."""
        shapes = plane_shapes(pixel_format, width, height)
        planes = [buffer.reshape(shape) for buffer, shape in zip(buffers, shapes, strict=True)]
        return cls(planes, pixel_format, width, height, pts)

    @property
    def nbytes(self) -> int:
        """Total bytes of all planes."""
        return int(sum(p.nbytes for p in self.planes))

    def copy(self) -> VideoFrame:
        """A deep copy with writable planes (frames read from Ray's object store are read-only). Host planes of
        a known format are copied into one buffer, back to back (`contiguous_planes`)."""
        meta = {k: v for k, v in self.meta.items() if k != "shared"}
        if self.format in PLANE_LAYOUTS and all(type(p) is np.ndarray and p.dtype == np.uint8 for p in self.planes):
            planes = contiguous_planes(self.format, self.width, self.height)
            if [p.shape for p in planes] == [p.shape for p in self.planes]:
                for dst, src in zip(planes, self.planes, strict=True):
                    np.copyto(dst, src)
                return VideoFrame(planes, self.format, self.width, self.height, self.pts, self.device, meta)
        return VideoFrame([_copy_plane(p) for p in self.planes], self.format, self.width, self.height, self.pts,
                          self.device, meta)

    def writable(self) -> VideoFrame:
        """This frame if every plane is writable, else a writable one: from its copy-on-write owner
        (`meta["cow"]`, e.g. a decoder buffer the decoder has let go of: no copy), else a copy."""
        if self.meta.get("shared"):  # device planes have no read-only flag: share() marks the frame instead
            return self.copy()
        if all(getattr(p, "flags", None) is None or p.flags.writeable for p in self.planes):
            return self
        owner = self.meta.get("cow")
        if owner is not None:
            made = owner.writable(self)
            if made is not None:
                return made  # type: ignore[no-any-return]
        return self.copy()

    def share(self) -> VideoFrame:
        """Mark host planes read-only: the frame goes to several consumers, and a writer must copy first."""
        for plane in self.planes:
            if isinstance(plane, np.ndarray):
                plane.flags.writeable = False
            else:
                self.meta["shared"] = True
        self.meta.pop("cow", None)  # a shared buffer must never be handed to one writer in place
        return self

    def check(self) -> None:
        """Raise ValueError when the planes do not match the declared format and size."""
        expected = plane_shapes(self.format, self.width, self.height)
        got = [tuple(p.shape) for p in self.planes]
        if got != expected:
            raise ValueError(f"{self.format} {self.width}x{self.height} frame needs planes {expected}, got {got}")


@dataclass(slots=True)
class AudioFrame:
    """A block of audio samples: `samples` is (channels, n) for planar or (n, channels) for packed formats."""

    samples: np.ndarray
    sample_rate: int
    layout: str = "stereo"
    format: str = "fltp"
    pts: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sample_count(self) -> int:
        """Samples per channel."""
        return int(self.samples.shape[-1] if self.format.endswith("p") else self.samples.shape[0])


@dataclass(slots=True)
class Packet:
    """An encoded packet with its stream's codec parameters; pts/dts in `time_base` units."""

    data: bytes
    pts: int | None
    dts: int | None
    time_base: Fraction
    keyframe: bool = False
    kind: str = "video"  # "video" or "audio"
    codec: str = "h264"
    duration: int = 0
    stream_info: dict[str, Any] = field(default_factory=dict)  # width, height, sample_rate, extradata, ...
    #: FFmpeg packet side data the muxer needs, by PyAV's type name (VP9's alpha: "matroska_block_additional")
    side_data: dict[str, bytes] = field(default_factory=dict)

    @property
    def pts_us(self) -> int:
        """Presentation time in microseconds."""
        return int((self.pts or 0) * self.time_base * 1_000_000)
