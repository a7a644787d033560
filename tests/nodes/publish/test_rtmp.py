"""publish.rtmp against a real nginx-rtmp: 10 s of 720p with audio read back, and a server restart mid-stream."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import GgpError
from ggpgfx.media.probe import counters, stream_summary
from ggpgfx.media.rtmp_server import NginxRtmp
from ggpgfx.media.testclip import cached_clip

KEY = "s3cr3t-key-42"


def _graph(clip: str, url: str, **rtmp: object) -> Graph:
    g = Graph("rtmp", fps=30)
    src = g.add("ingest.video", id="src", source=clip)
    venc = g.add("encode.h264", id="venc", preset="ultrafast", keyint=30, tune="zerolatency")
    aenc = g.add("encode.aac", id="aenc")
    out = g.add("publish.rtmp", id="out", url=url, stream_key=KEY, **rtmp)
    src.video >> venc.video
    src.audio >> aenc.audio
    venc.packets >> out.packets
    aenc.packets >> out.packets
    return g


@pytest.mark.network
def test_publishes_ten_seconds_of_720p_with_audio(nginx: NginxRtmp, caplog: pytest.LogCaptureFixture) -> None:
    clip = cached_clip("rtmp-1280x720-10s.mp4", seconds=10.0, width=1280, height=720, crf=30)
    caplog.set_level(logging.DEBUG)
    result = _graph(str(clip), f"rtmp://127.0.0.1:{nginx.port}/live").run(realtime=False)
    assert result.instances["out"].stats()["connects"] == 1
    files = nginx.wait_recordings_closed(KEY)
    assert len(files) == 1
    summary = stream_summary(files[0])
    assert summary["video"]["codec"] == "h264" and summary["video"]["frames"] == 300
    assert summary["video"]["last"] - summary["video"]["first"] == pytest.approx(299 / 30, abs=0.04)
    assert summary["audio"]["codec"] == "aac"
    assert summary["audio"]["last"] - summary["audio"]["first"] == pytest.approx(10.0, abs=0.1)
    assert counters(files[0]) == list(range(300))
    assert KEY not in caplog.text


@pytest.mark.network
def test_reconnects_after_nginx_restart_and_the_graph_finishes(nginx: NginxRtmp,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    clip = cached_clip("rtmp-320x240-6s.mp4", seconds=6.0, width=320, height=240)
    caplog.set_level(logging.INFO)
    graph = _graph(str(clip), f"rtmp://127.0.0.1:{nginx.port}/live", backoff_s=0.2, max_backoff_s=0.5)
    graph.add("sink.collect", id="status")
    graph.connect("out.status", "status.inp")

    def restart() -> None:
        time.sleep(2.0)
        nginx.stop()
        time.sleep(1.0)
        nginx.start()

    restarter = threading.Thread(target=restart)
    restarter.start()
    began = time.monotonic()
    result = graph.run(realtime=True)  # paced: the restart happens mid-stream
    restarter.join(20)
    assert time.monotonic() - began < 20
    stats = result.instances["out"].stats()
    assert stats["reconnects"] >= 1 and stats["failures"] >= 1 and stats["state"] == "closed"
    files = nginx.wait_recordings_closed(KEY, count=2)
    assert len(files) >= 2
    before, after = counters(files[0]), counters(files[-1])
    assert before[0] == 0 and 40 <= len(before) <= 75  # ~2 s before the stop
    assert after[-1] == 179 and after == list(range(after[0], 180))  # resumed at a keyframe, ran to the end
    assert after[0] % 30 == 0
    assert "reconnected" in caplog.text and KEY not in caplog.text
    states = [s["state"] for s in result.collected("status")]
    assert "reconnecting" in states and states[-1] == "closed" and states.count("connected") >= 2
    assert all(KEY not in s["target"] for s in result.collected("status"))


def test_unreachable_server_fails_after_max_reconnects_with_masked_url() -> None:
    clip = cached_clip("rtmp-320x240-6s.mp4", seconds=6.0, width=320, height=240)
    graph = _graph(str(clip), "rtmp://127.0.0.1:9/live", max_reconnects=1, backoff_s=0.05, drain_timeout_s=5)
    with pytest.raises(GgpError) as info:
        graph.run(realtime=False)
    text = str(info.value)
    assert "rtmp://127.0.0.1:9/live/****" in text and KEY not in text and "\n" not in text
