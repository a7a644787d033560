"""encode.h264: real libx264 packets with increasing dts, keyframes at the interval, clear option errors."""

from __future__ import annotations

import av
import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import GgpError
from ggpgfx.media.av_convert import packet_to_av
from ggpgfx.media.pattern import read_counter


def _encode(frames: int = 40, **params: object) -> list:
    g = Graph("t", fps=30)
    src = g.add("ingest.test_pattern", width=320, height=240, frames=frames)
    enc = g.add("encode.h264", id="enc", **params)
    sink = g.add("sink.collect", id="sink")
    src.video >> enc.video
    enc.packets >> sink.inp
    return g.run(realtime=False).collected("sink")


def test_packets_decode_back_to_the_same_frames() -> None:
    packets = _encode(frames=40, preset="ultrafast", keyint=10, bframes=2)
    assert len(packets) == 40
    dts = [p.dts for p in packets]
    assert dts == sorted(dts) and len(set(dts)) == 40
    assert sorted(p.pts for p in packets) == [i * 3000 for i in range(40)]  # 1/90000 s ticks at 30 fps
    keyframes = [p.pts // 3000 for p in packets if p.keyframe]
    assert keyframes == [0, 10, 20, 30]
    assert packets[0].stream_info["width"] == 320 and packets[0].codec == "h264"
    decoder = av.CodecContext.create("h264", "r")
    decoded = []
    for packet in packets:
        decoded += decoder.decode(packet_to_av(packet))
    decoded += decoder.decode(None)
    assert [read_counter(f.to_ndarray(format="gray")) for f in decoded] == list(range(40))


def test_zerolatency_has_no_reordering() -> None:
    packets = _encode(frames=10, preset="ultrafast", tune="zerolatency", bitrate="1M", maxrate="1M")
    assert [p.pts for p in packets] == [p.dts for p in packets]


def test_zerolatency_packet_comes_out_with_its_own_frame() -> None:
    """No frame-thread delay: FFmpeg would turn x264's sliced threads into frame threads (2 frames late on 2 cores)."""
    import numpy as np
    from ggpgfx.nodes.encode.h264 import H264Params, open_h264

    ctx = open_h264(H264Params(preset="ultrafast", tune="zerolatency", threads=3), 320, 240, 30.0)
    late = []
    for index in range(8):
        frame = av.VideoFrame.from_ndarray(np.full((360, 320), index * 20, np.uint8), format="yuv420p")
        frame.pts = index * 3000
        late += [index - packet.pts // 3000 for packet in ctx.encode(frame)]
    assert late == [0] * 8


def test_unknown_option_is_a_clear_error() -> None:
    with pytest.raises(GgpError, match="libx264 has no option 'nope'"):
        _encode(frames=2, options={"nope": "1"})


def test_bad_option_value_is_a_clear_error() -> None:
    with pytest.raises(GgpError, match="libx264 rejected the options .*profile=nonsense"):
        _encode(frames=2, options={"profile": "nonsense"})


def test_keyframes_follow_keyint_not_the_decoded_source() -> None:
    from ggpgfx.media.testclip import cached_clip

    clip = cached_clip("h264-src-k7.mp4", seconds=2.0, width=160, height=120, audio=False, keyint=7)
    g = Graph("t", fps=30)
    src = g.add("ingest.video", id="src", source=str(clip))
    enc = g.add("encode.h264", id="enc", preset="ultrafast", keyint=20)
    sink = g.add("sink.collect", id="sink")
    src.video >> enc.video
    enc.packets >> sink.inp
    packets = g.run(realtime=False).collected("sink")
    assert [p.pts // 3000 for p in packets if p.keyframe] == [0, 20, 40]  # the source's 7-frame GOP is gone
