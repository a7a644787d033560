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
