"""av_convert: zero-copy views, copy-on-write frames that overlays may draw on, encoder hand-back without copy."""

from __future__ import annotations

import pickle

import av
import numpy as np

from ggpgfx.media.av_convert import av_to_video, video_to_av, writable_frame
from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import read_counter
from ggpgfx.media.testclip import cached_clip


def _decode(writable: bool) -> list[VideoFrame]:
    clip = cached_clip("convert-320x240-1s.mp4", seconds=1.0, width=320, height=240, audio=False)
    frames = []
    with av.open(str(clip)) as container:
        for index, avf in enumerate(container.decode(video=0)):
            frame = av_to_video(avf, index * 33_333, writable=writable)
            if writable:
                frame.planes[0][:40, :40] = 255  # drawing in place must not leak into later decoded frames
            frames.append(frame)
    return frames


def test_drawing_on_writable_frames_does_not_corrupt_decoding() -> None:
    clean, drawn = _decode(False), _decode(True)
    assert [read_counter(f.planes[0]) for f in drawn] == list(range(30))
    for a, b in zip(clean, drawn, strict=True):
        assert np.array_equal(a.planes[0][60:], b.planes[0][60:])
        assert np.array_equal(a.planes[1], b.planes[1])
        assert (b.planes[0][:40, :40] == 255).all()


def test_encoder_takes_the_backing_frame_without_a_copy() -> None:
    frame = _decode(True)[3]
    avf = video_to_av(frame)
    assert avf.planes[0].buffer_ptr == frame.planes[0].__array_interface__["data"][0]
    moved = VideoFrame([p.copy() for p in frame.planes], "yuv420p", frame.width, frame.height, frame.pts,
                       meta=dict(frame.meta))  # planes replaced: the stale handle must not be used
    copied = video_to_av(moved)
    assert copied.planes[0].buffer_ptr != avf.planes[0].buffer_ptr
    assert np.array_equal(copied.to_ndarray()[:240], frame.planes[0])


def test_writable_frame_copies_once_into_an_av_buffer_and_pickles() -> None:
    source = VideoFrame.blank(64, 48)
    frame = writable_frame(source)
    frame.planes[0][0, 0] = 200
    assert source.planes[0][0, 0] == 16
    assert video_to_av(frame).planes[0].buffer_ptr == frame.planes[0].__array_interface__["data"][0]
    restored = pickle.loads(pickle.dumps(frame))  # crossing a process: pixels travel, the av handle does not
    assert restored.planes[0][0, 0] == 200 and restored.meta["av_frame"].frame is None
    assert video_to_av(restored).to_ndarray()[0, 0] == 200


def test_packed_audio_is_samples_by_channels_and_round_trips() -> None:
    from ggpgfx.media.av_convert import audio_to_av, av_to_audio

    samples = np.arange(2 * 480, dtype=np.int16).reshape(1, -1)
    avf = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
    avf.sample_rate = 48_000
    frame = av_to_audio(avf, 0)
    assert frame.samples.shape == (480, 2) and frame.sample_count == 480
    assert frame.samples[1].tolist() == [2, 3]
    back = audio_to_av(frame)
    assert back.samples == 480 and np.array_equal(back.to_ndarray(), samples)


def test_writable_on_demand_reuses_the_buffer_the_decoder_let_go() -> None:
    frames = _decode(False)  # all decoded: the decoder holds none of the early buffers any more
    frame = frames[5]
    made = frame.writable()
    assert made is not frame and made.planes[0].flags.writeable
    assert made.planes[0].__array_interface__["data"][0] == frame.planes[0].__array_interface__["data"][0]
    assert video_to_av(made).planes[0].buffer_ptr == made.planes[0].__array_interface__["data"][0]
    shared = frames[6].share()  # fan-out: a writer must get its own copy, never the shared buffer
    copied = shared.writable()
    assert copied.planes[0].__array_interface__["data"][0] != shared.planes[0].__array_interface__["data"][0]


def _plane_address(plane: np.ndarray) -> int:
    return int(plane.__array_interface__["data"][0])


def test_encoder_wraps_back_to_back_planes_without_a_copy() -> None:
    """VideoFrame.empty / blank / copy lay the planes back to back: the encoder's av frame is that memory."""
    frame = VideoFrame.blank(64, 48)
    frame.planes[0][:] = np.arange(64, dtype=np.uint8)
    # broadcast sizes and widths off every alignment PyAV might pad rows to: the wrap trusts PyAV to lay out
    # the planes as ours (it no longer reads the pointers back per frame), so this guards a PyAV upgrade
    sizes = [(1920, 1080), (1280, 720), (720, 576), (66, 52), (34, 8)]
    for made in (frame, frame.copy(), VideoFrame.empty(64, 48), *(VideoFrame.empty(w, h) for w, h in sizes)):
        avf = video_to_av(made)
        assert [p.buffer_ptr for p in avf.planes] == [_plane_address(p) for p in made.planes]
        assert [p.line_size for p in avf.planes] == [made.width, made.width // 2, made.width // 2]
        assert (avf.width, avf.height) == (made.width, made.height) and avf.format.name == "yuv420p"
    wrapped = video_to_av(frame)
    assert np.array_equal(wrapped.to_ndarray(), np.concatenate([frame.planes[0], frame.planes[1].reshape(12, 64),
                                                                 frame.planes[2].reshape(12, 64)]))


def test_planes_in_separate_buffers_or_odd_sizes_are_copied() -> None:
    apart = VideoFrame([np.full((48, 64), 90, np.uint8), np.full((24, 32), 100, np.uint8),
                        np.full((24, 32), 110, np.uint8)], "yuv420p", 64, 48)
    odd = VideoFrame.blank(63, 47)
    rows = VideoFrame.blank(64, 54)  # PyAV would wrap 54 rows as 52 (rows // 6 * 4) with the chroma misplaced
    swapped = VideoFrame.blank(64, 48)
    swapped.planes[1], swapped.planes[2] = swapped.planes[2], swapped.planes[1]
    for frame in (apart, odd, rows, swapped):
        avf = video_to_av(frame)
        assert avf.planes[0].buffer_ptr != _plane_address(frame.planes[0])
        assert np.array_equal(np.frombuffer(avf.planes[1], np.uint8).reshape(-1, avf.planes[1].line_size)
                              [:frame.planes[1].shape[0], :frame.planes[1].shape[1]], frame.planes[1])


def test_wrapped_and_copied_frames_encode_to_the_same_bytes() -> None:
    """The wrapped picture is the same picture: x264 gives byte-identical output, and the frame's memory
    outlives the numpy frame for as long as the encoder holds it."""
    from fractions import Fraction

    def encode(contiguous: bool) -> bytes:
        ctx = av.CodecContext.create("libx264", "w")
        ctx.width, ctx.height, ctx.pix_fmt, ctx.time_base = 64, 48, "yuv420p", Fraction(1, 30)
        ctx.options = {"preset": "ultrafast", "crf": "20"}
        ctx.thread_count = 1
        out = b""
        for index in range(12):
            frame = VideoFrame.empty(64, 48)
            frame.planes[0][:] = (np.arange(64, dtype=np.uint8) * 3 + index * 7)[None, :]
            frame.planes[1][:] = 100 + index
            frame.planes[2][:] = 150
            if not contiguous:
                frame = VideoFrame([p.copy() for p in frame.planes], "yuv420p", 64, 48)
            avf = video_to_av(frame)
            del frame  # the encoder's reference keeps the wrapped memory alive
            avf.pts = index
            out += b"".join(bytes(p) for p in ctx.encode(avf))
        return out + b"".join(bytes(p) for p in ctx.encode(None))

    assert encode(True) == encode(False)
