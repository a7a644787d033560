"""ingest.video: decode real files (video + audio), loop, seek, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import GgpError, MediaError
from ggpgfx.media.pattern import read_counter
from ggpgfx.media.testclip import cached_clip


@pytest.fixture(scope="module")
def clip() -> Path:
    return cached_clip("ingest-320x240-2s.mp4", seconds=2.0, width=320, height=240)


def _run(source: str, **params: object) -> tuple[list, list]:
    g = Graph("t")
    src = g.add("ingest.video", id="src", source=source, **params)
    video = g.add("sink.collect", id="video")
    audio = g.add("sink.collect", id="audio", keep_messages=True)
    src.video >> video.inp
    src.audio >> audio.inp
    result = g.run(realtime=False)
    return result.collected("video"), result.collected("audio")


def test_decodes_every_frame_as_yuv420p_views_with_audio(clip: Path) -> None:
    frames, audio = _run(str(clip))
    assert len(frames) == 60
    assert [read_counter(f.planes[0]) for f in frames] == list(range(60))
    first = frames[0]
    assert first.format == "yuv420p" and [p.shape for p in first.planes] == [(240, 320), (120, 160), (120, 160)]
    assert not first.planes[0].flags.writeable  # zero-copy views of decoder buffers: never written in place
    eager, _ = _run(str(clip), writable=True, audio=False)
    assert eager[0].planes[0].flags.writeable  # made writable at once (a copy while the decoder holds it)
    assert [f.pts for f in frames[:3]] == [0, 33333, 66666]
    samples = sum(m.payload.sample_count for m in audio)
    assert abs(samples - 2 * 48_000) <= 2048 and audio[0].payload.sample_rate == 48_000


def test_loop_continues_the_timeline(clip: Path) -> None:
    g = Graph("t")
    src = g.add("ingest.video", id="src", source=str(clip), loop=True, audio=False)
    sink = g.add("sink.collect", id="sink")
    src.video >> sink.inp
    frames = g.run(realtime=False, max_frames=150).collected("sink")
    assert len(frames) == 150
    pts = [f.pts for f in frames]
    assert pts == sorted(pts) and len(set(pts)) == 150
    assert [read_counter(f.planes[0]) for f in frames[58:63]] == [58, 59, 0, 1, 2]


def test_start_offset_skips_to_the_position(clip: Path) -> None:
    frames, _ = _run(str(clip), start_s=1.0, audio=False)
    assert read_counter(frames[0].planes[0]) == 30 and len(frames) == 30


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(GgpError) as info:
        _run(str(missing))
    text = str(info.value)
    assert "nope.mp4" in text and "no such file" in text and "\n" not in text


def test_truncated_file_names_file_and_position(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    broken = tmp_path / "cut.mp4"
    broken.write_bytes(data[: len(data) // 2])  # faststart: the index survives, half the media is gone
    with pytest.raises(GgpError) as info:
        _run(str(broken))
    text = str(info.value)
    assert "cut.mp4" in text and " s" in text and "truncated" in text and "\n" not in text
    assert isinstance(info.value.__cause__ or info.value, GgpError)


def test_not_a_media_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mkv"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(GgpError, match="junk.mkv"):
        _run(str(junk))


def test_unreachable_url_masks_the_stream_key() -> None:
    with pytest.raises(GgpError) as info:
        _run("rtmp://127.0.0.1:1/live/secret-key-123", reconnect_attempts=0, timeout_s=2)
    text = str(info.value)
    assert "secret-key-123" not in text and "rtmp://127.0.0.1:1/live/****" in text
    assert isinstance(info.value, MediaError) or "refused" in text or "cannot" in text


@pytest.mark.parametrize("device", ["cuda", "no-such-device"])
def test_hardware_decode_hint_falls_back_to_the_cpu(clip: Path, device: str) -> None:
    frames, _ = _run(str(clip), hwaccel=device, audio=False)
    assert [read_counter(f.planes[0]) for f in frames] == list(range(60))


@pytest.mark.network
def test_live_rtmp_source_reconnects_after_a_server_restart(nginx: Any) -> None:
    import threading
    import time

    clip = cached_clip("rtmp-320x240-6s.mp4", seconds=6.0, width=320, height=240)
    server = nginx
    publish = Graph("cam", fps=30)
    src = publish.add("ingest.video", id="src", source=str(clip), loop=True, audio=False)
    enc = publish.add("encode.h264", id="enc", preset="ultrafast", tune="zerolatency", keyint=15)
    out = publish.add("publish.rtmp", id="out", url=f"rtmp://127.0.0.1:{server.port}/live", stream_key="cam",
                      backoff_s=0.2, max_backoff_s=0.5)
    src.video >> enc.video
    enc.packets >> out.packets
    publisher = threading.Thread(target=lambda: publish.run(realtime=True, duration_s=12.0))
    publisher.start()

    def restart() -> None:
        time.sleep(3.0)
        server.stop()
        time.sleep(0.5)
        server.start()

    restarter = threading.Thread(target=restart)
    time.sleep(0.5)
    restarter.start()
    watch = Graph("watch", fps=30)
    live = watch.add("ingest.video", id="live", source=f"rtmp://127.0.0.1:{server.port}/live/cam",
                     reconnect_backoff_s=0.2, reconnect_attempts=6, timeout_s=5)
    frames = watch.add("sink.collect", id="frames", keep_messages=True)
    status = watch.add("sink.collect", id="status")
    live.video >> frames.inp
    live.status >> status.inp
    result = watch.run(realtime=False, max_frames=100)
    restarter.join(20)
    publisher.join(30)
    states = [s["state"] for s in result.collected("status")]
    assert "reconnecting" in states and states[-1] == "playing"
    assert all("cam" not in s["source"] for s in result.collected("status"))
    pts = [m.pts for m in result.collected("frames")]
    assert len(pts) == 100 and pts == sorted(pts)  # one timeline across the reconnect


@pytest.mark.network
def test_reads_an_hls_playlist_over_http(tmp_path: Path) -> None:
    import functools
    import http.server
    import threading

    clip = cached_clip("hls-src-320x240-3s.mp4", seconds=3.0, width=320, height=240)
    g = Graph("hls")
    src = g.add("ingest.video", id="src", source=str(clip))
    enc = g.add("encode.h264", id="enc", preset="ultrafast", keyint=30)
    aenc = g.add("encode.aac", id="aenc")
    out = g.add("publish.hls", id="out", folder=str(tmp_path / "hls"), kind="vod", segment_s=1.0)
    src.video >> enc.video
    src.audio >> aenc.audio
    enc.packets >> out.packets
    aenc.packets >> out.packets
    g.run(realtime=False)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "hls"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        frames, audio = _run(f"http://127.0.0.1:{server.server_address[1]}/index.m3u8", timeout_s=5)
    finally:
        server.shutdown()
    assert [read_counter(f.planes[0]) for f in frames] == list(range(90))
    assert audio and audio[0].payload.sample_rate == 48_000


def _copies_behind_a_writer(clip: Path, **params: object) -> tuple[list[int], dict[str, float]]:
    """Frames through render.text (which draws in place): counters seen, and the source's reported metrics."""
    g = Graph("t")
    src = g.add("ingest.video", id="src", source=str(clip), audio=False, **params)
    text = g.add("render.text", id="text", position="bottom-right")
    sink = g.add("sink.collect", id="sink")
    src.video >> text.video
    text.video >> sink.inp
    result = g.run(realtime=False)
    return [read_counter(f.planes[0]) for f in result.collected("sink")], result.nodes["src"]["reported"]


def test_decoding_ahead_spares_copying_frames_the_decoder_still_holds(clip: Path) -> None:
    """A frame sent at once is still a reference of the decoder: the overlay must copy it (3 MB at 1080p);
    held back until the decoder has let go, it is drawn on in place."""
    counters, reported = _copies_behind_a_writer(clip, decode_ahead=0)
    assert counters == list(range(60)) and reported["frames_copied"] >= 55
    counters, reported = _copies_behind_a_writer(clip)
    assert counters == list(range(60))  # every frame, in order: the held ones are sent at the end
    assert reported.get("frames_copied", 0) <= 3 and reported.get("decode_ahead", 2) <= 8
