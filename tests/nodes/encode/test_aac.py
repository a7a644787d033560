"""encode.aac: decoded audio re-encoded to AAC with sample-exact timestamps."""

from __future__ import annotations

import av

from ggpgfx.api import Graph
from ggpgfx.media.av_convert import packet_to_av
from ggpgfx.media.testclip import cached_clip


def test_audio_from_a_file_encodes_to_aac_frames() -> None:
    clip = cached_clip("aac-160x120-1s.mp4", seconds=1.0, width=160, height=120)
    g = Graph("t")
    src = g.add("ingest.video", id="src", source=str(clip))
    enc = g.add("encode.aac", id="enc", sample_rate=44_100, layout="mono", bitrate=64_000)
    sink = g.add("sink.collect", id="sink")
    src.audio >> enc.audio
    enc.packets >> sink.inp
    packets = g.run(realtime=False).collected("sink")
    assert packets and all(p.codec == "aac" and p.kind == "audio" for p in packets)
    assert packets[0].stream_info["sample_rate"] == 44_100
    decoder = av.CodecContext.create("aac", "r")
    decoder.extradata = packets[0].stream_info["extradata"]
    samples = sum(f.samples for p in packets for f in decoder.decode(packet_to_av(p)))
    assert abs(samples - 44_100) <= 2 * 1024  # one second, within the encoder's priming and padding
    steps = {b.pts - a.pts for a, b in zip(packets, packets[1:], strict=False)}
    assert steps == {1024}
