"""Conversions between ggpgfx media types and PyAV objects, with as few copies as measured possible.

Decoded frames become `VideoFrame`s whose planes are read-only views of the decoder's buffers (zero
copies; read-only because the decoder may still reference them for prediction). A writable frame is
made with `writable_frame`, which copies once into a freshly allocated `av.VideoFrame`, so that the
encoder later takes that same buffer without another copy (`video_to_av`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
import numpy as np
from av.packet import PacketSideData, packet_sidedata_type_from_literal

from ggpgfx.media.frames import AudioFrame, Packet, VideoFrame

#: Key in `VideoFrame.meta` holding the av.VideoFrame that owns the planes' memory.
AV_FRAME_KEY = "av_frame"
#: Key in `VideoFrame.meta` of the copy-on-write owner that `VideoFrame.writable()` asks first.
COW_KEY = "cow"
MICROSECONDS = Fraction(1, 1_000_000)
#: The 90 kHz clock of video packets and RTP.
VIDEO_TIME_BASE = Fraction(1, 90_000)


class CopyCounter:
    """How many decoder frames `AvHandle.writable` had to copy (the decoder still held them): a source reads
    it to decode further ahead (`ingest.video`'s decode_ahead)."""

    __slots__ = ("copies",)

    def __init__(self) -> None:
        self.copies = 0


class AvHandle:
    """Holds an av.VideoFrame in `meta`; pickles to an empty handle so frames still cross processes."""

    __slots__ = ("frame", "counter")

    def __init__(self, frame: av.VideoFrame | None, counter: CopyCounter | None = None) -> None:
        self.frame = frame
        self.counter = counter

    def __reduce__(self) -> tuple[Any, tuple[None]]:
        return (AvHandle, (None,))

    def writable(self, frame: VideoFrame) -> VideoFrame | None:
        """Copy-on-write for `VideoFrame.writable()`: make the av frame writable (FFmpeg copies only while
        the decoder still references the buffer) and return writable views; None when not backed by it."""
        avf = _backing(frame)
        if avf is None or avf is not self.frame:
            return None
        buffer = avf.planes[0].buffer_ptr
        avf.make_writable()
        if self.counter is not None and avf.planes[0].buffer_ptr != buffer:
            self.counter.copies += 1
        result = VideoFrame(_plane_views(avf, _yuv_shapes(avf.width, avf.height)), "yuv420p",  # type: ignore[call-arg, arg-type]
                            frame.width, frame.height, frame.pts, frame.device,
                            {k: v for k, v in frame.meta.items() if k not in (AV_FRAME_KEY, COW_KEY)})
        result.meta[AV_FRAME_KEY] = AvHandle(avf)
        return result

    def __repr__(self) -> str:
        return "AvHandle(...)" if self.frame is not None else "AvHandle(None)"


def _plane_views(avf: av.VideoFrame, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    views = []
    for plane, (height, width) in zip(avf.planes, shapes, strict=True):
        flat = np.frombuffer(plane, np.uint8)  # type: ignore[call-overload]
        views.append(flat.reshape(height, plane.line_size)[:, :width])
    return views


def _yuv_shapes(width: int, height: int) -> list[tuple[int, int]]:
    ch, cw = (height + 1) // 2, (width + 1) // 2
    return [(height, width), (ch, cw), (ch, cw)]


def av_to_video(avf: av.VideoFrame, pts_us: int, *, writable: bool = False,
                counter: CopyCounter | None = None) -> VideoFrame:
    """A yuv420p VideoFrame viewing the av frame's planes (converted first if it is another format).

    writable=False: zero-copy read-only views (the decoder may still use the buffers as references);
    `frame.writable()` later calls `make_writable`, which copies only if the decoder still holds the
    buffer (by the time an overlay runs a few frames behind the decoder, it usually does not).
    writable=True: `make_writable` now (a copy while the decoder holds the buffer).
    Either way, overlays draw in place and the encoder takes the same buffer back without a copy.
    `counter` counts the copies `make_writable` made later (the decoder still held the buffer).
    """
    if avf.format.name != "yuv420p":
        # rare path (yuvj420p, 10-bit, nv12 from hardware decoders): one conversion, then views
        avf = avf.reformat(format="yuv420p")
    elif writable:
        avf.make_writable()
    planes = _plane_views(avf, _yuv_shapes(avf.width, avf.height))
    handle = AvHandle(avf, counter)
    frame = VideoFrame(planes, "yuv420p", avf.width, avf.height, pts_us)  # type: ignore[call-arg, arg-type]
    frame.meta[AV_FRAME_KEY] = handle
    if not writable:
        for plane in planes:
            plane.flags.writeable = False
        frame.meta[COW_KEY] = handle  # frame.writable() makes it writable in place when the decoder let go
    return frame


def _backing(frame: VideoFrame) -> av.VideoFrame | None:
    """The av frame whose buffers the planes still view, or None (moved, copied or replaced planes)."""
    handle = frame.meta.get(AV_FRAME_KEY)
    avf = getattr(handle, "frame", None)
    if avf is None or frame.format != "yuv420p" or frame.device != "cpu":
        return None
    for plane, avplane in zip(frame.planes, avf.planes, strict=True):
        if not isinstance(plane, np.ndarray) or plane.__array_interface__["data"][0] != avplane.buffer_ptr:
            return None
        if plane.strides[0] != avplane.line_size:
            return None
    return avf


def new_av_frame(width: int, height: int) -> tuple[av.VideoFrame, list[np.ndarray]]:
    """A fresh yuv420p av frame and writable views of its planes."""
    avf = av.VideoFrame(width, height, "yuv420p")
    return avf, _plane_views(avf, _yuv_shapes(width, height))


def writable_frame(frame: VideoFrame) -> VideoFrame:
    """A writable copy backed by a new av frame (one copy), so the encoder needs no further copy."""
    if frame.format != "yuv420p":
        return frame.copy()
    avf, views = new_av_frame(frame.width, frame.height)
    for dst, src in zip(views, frame.planes, strict=True):
        np.copyto(dst, np.asarray(src))
    result = VideoFrame(views, "yuv420p", frame.width, frame.height, frame.pts,  # type: ignore[call-arg, arg-type]
                        frame.device, {k: v for k, v in frame.meta.items() if k not in (AV_FRAME_KEY, COW_KEY)})
    result.meta[AV_FRAME_KEY] = AvHandle(avf)
    return result


def video_to_av(frame: VideoFrame) -> av.VideoFrame:
    """An av.VideoFrame with this frame's pixels: the backing frame when there is one, else one copy."""
    avf = _backing(frame)
    if avf is not None:
        return avf
    if frame.format != "yuv420p":
        planes = [np.asarray(p) for p in frame.planes]
        if frame.format in ("rgb24", "bgr24", "rgba", "gray"):
            return av.VideoFrame.from_ndarray(planes[0], format=frame.format)
        if frame.format == "yuva420p":
            avf = av.VideoFrame(frame.width, frame.height, "yuva420p")
            shapes = [*_yuv_shapes(frame.width, frame.height), (frame.height, frame.width)]
            for dst, src in zip(_plane_views(avf, shapes), planes, strict=True):
                np.copyto(dst, src)
            return avf
        if frame.format == "nv12":
            return av.VideoFrame.from_ndarray(np.concatenate([planes[0], planes[1].reshape(planes[1].shape[0], -1)]),
                                              format="nv12")
        raise ValueError(f"cannot convert a {frame.format} frame to PyAV")
    wrapped = _wrap_contiguous(frame)
    if wrapped is not None:
        return wrapped
    avf, views = new_av_frame(frame.width, frame.height)
    for dst, src in zip(views, frame.planes, strict=True):
        np.copyto(dst, np.asarray(src))  # np.asarray: CuPy/torch planes must be moved to host by their owner
    return avf


def _wrap_contiguous(frame: VideoFrame) -> av.VideoFrame | None:
    """An av frame over the frame's own memory (no copy) when its yuv420p planes lie back to back in one buffer,
    rows unpadded (`VideoFrame.empty`, `copy`, `blank`, a ring slot drawn by `Node.new_frame`); else None.

    FFmpeg holds a reference to the numpy buffer for as long as it uses the picture (libx264 copies it into
    its own frames during `encode`), so the memory stays valid; a producer never writes into a frame it
    has emitted (nodes emit a frame once), so the picture cannot change under the encoder."""
    width, height = frame.width, frame.height
    if width % 2 or height % 4 or frame.device != "cpu" or len(frame.planes) != 3:
        return None
    y, u, v = frame.planes
    if not (type(y) is np.ndarray and type(u) is np.ndarray and type(v) is np.ndarray):
        return None
    if not (y.dtype == u.dtype == v.dtype == np.uint8 and y.flags.c_contiguous and u.flags.c_contiguous
            and v.flags.c_contiguous and y.shape == (height, width) and u.shape == v.shape == (height // 2, width // 2)):
        return None
    start = y.__array_interface__["data"][0]
    if u.__array_interface__["data"][0] != start + y.nbytes or \
            v.__array_interface__["data"][0] != start + y.nbytes + u.nbytes:
        return None
    total = y.nbytes + u.nbytes + v.nbytes
    # the array that owns all three planes: up the chain of bases (Y alone never holds all three) to one that
    # starts at Y and holds them all
    owner: Any = y.base
    while isinstance(owner, np.ndarray) and not (owner.__array_interface__["data"][0] == start
                                                  and owner.nbytes >= total and owner.flags.c_contiguous):
        owner = owner.base
    if not isinstance(owner, np.ndarray):
        return None
    picture = owner.reshape(-1)[:total].reshape(height * 3 // 2, width)
    avf = av.VideoFrame.from_numpy_buffer(picture, "yuv420p")
    # PyAV derives the picture's height from the rows (rows // 6 * 4), hence `height % 4` above; with an even
    # width its planes then start where ours do (linesizes width, width/2, width/2), which the tests check for
    # several sizes: reading the three plane pointers back on every frame cost ~70 µs of a cold 30 fps encoder
    if avf.width != width or avf.height != height:
        return None
    return avf


def av_to_audio(avf: av.AudioFrame, pts_us: int) -> AudioFrame:
    """An AudioFrame from a decoded av.AudioFrame (samples copied: audio is small)."""
    samples = avf.to_ndarray()
    if not avf.format.is_planar:  # PyAV gives packed audio as one interleaved row: make it (n, channels)
        samples = samples.reshape(-1, len(avf.layout.channels))
    return AudioFrame(samples, avf.sample_rate, avf.layout.name, avf.format.name, pts_us)


def audio_to_av(frame: AudioFrame) -> av.AudioFrame:
    """An av.AudioFrame from an AudioFrame."""
    samples = np.ascontiguousarray(frame.samples)
    if not frame.format.endswith("p") and samples.ndim == 2:
        samples = samples.reshape(1, -1)  # packed formats are one interleaved row for PyAV
    avf = av.AudioFrame.from_ndarray(samples, format=frame.format, layout=frame.layout)
    avf.sample_rate = frame.sample_rate
    return avf


def av_to_packet(pkt: av.Packet, kind: str, codec: str, stream_info: dict[str, Any],
                 side_data: tuple[str, ...] = ()) -> Packet:
    """A Packet from an encoded av.Packet (the bytes are copied: packets are small), with the side data of the
    named types (VP9 carries its alpha plane in "matroska_block_additional")."""
    time_base = pkt.time_base or Fraction(1, 90_000)
    extra = {sd.data_type: bytes(sd) for sd in pkt.iter_sidedata() if sd.data_type in side_data} if side_data else {}
    return Packet(bytes(pkt), pkt.pts, pkt.dts, Fraction(time_base), bool(pkt.is_keyframe), kind, codec,
                  int(pkt.duration or 0), stream_info, extra)


def packet_to_av(packet: Packet) -> av.Packet:
    """An av.Packet with the packet's bytes and timing (attach `.stream` before muxing)."""
    pkt = av.Packet(packet.data)
    pkt.pts = packet.pts
    pkt.dts = packet.dts
    pkt.time_base = packet.time_base
    pkt.is_keyframe = packet.keyframe
    if packet.duration:
        pkt.duration = packet.duration
    for name, data in packet.side_data.items():
        side = PacketSideData(packet_sidedata_type_from_literal(name), len(data))  # type: ignore[call-arg, arg-type]
        side.update(data)
        pkt.set_sidedata(side)
    return pkt


def us_to_ticks(pts_us: int, time_base: Fraction) -> int:
    """Microseconds to ticks of a time base, rounded to nearest."""
    return round(Fraction(pts_us) * MICROSECONDS / time_base)
