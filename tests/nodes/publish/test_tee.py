"""publish.tee: one encode to nginx-rtmp and an mp4 at once; a dead destination does not stop the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggpgfx.api import Graph
from ggpgfx.media.probe import counters, stream_summary
from ggpgfx.media.rtmp_server import NginxRtmp
from ggpgfx.media.testclip import cached_clip


@pytest.mark.network
def test_tee_feeds_rtmp_and_file_while_a_dead_server_is_skipped(nginx: NginxRtmp, tmp_path: Path) -> None:
    clip = cached_clip("tee-320x240-3s.mp4", seconds=3.0, width=320, height=240)
    recording = tmp_path / "rec.mp4"
    g = Graph("tee")
    src = g.add("ingest.video", id="src", source=str(clip))
    venc = g.add("encode.h264", id="venc", preset="ultrafast", keyint=30)
    aenc = g.add("encode.aac", id="aenc")
    tee = g.add("publish.tee", id="tee", max_reconnects=2, backoff_s=0.05, destinations=[
        {"target": f"rtmp://127.0.0.1:{nginx.port}/live", "stream_key": "main-key"},
        {"target": "rtmp://127.0.0.1:9/live", "stream_key": "dead-key"},
        {"target": str(recording)},
    ])
    src.video >> venc.video
    src.audio >> aenc.audio
    venc.packets >> tee.packets
    aenc.packets >> tee.packets
    result = g.run(realtime=False)
    live, dead, disk = result.instances["tee"].stats()
    assert live["state"] == "closed" and live["connects"] == 1
    assert dead["state"] == "failed" and "dead-key" not in dead["target"]
    assert disk["state"] == "closed" and disk["packets_dropped"] == 0
    assert counters(recording) == list(range(90))
    assert stream_summary(recording)["audio"]["codec"] == "aac"
    files = nginx.wait_recordings_closed("main-key")
    assert counters(files[0]) == list(range(90))
