"""publish.hls: a playlist and segments that PyAV and ffprobe read back with the right duration."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import av
import pytest

from ggpgfx.api import Graph
from ggpgfx.media.pattern import read_counter
from ggpgfx.media.testclip import cached_clip


def _publish(folder: Path, **params: object) -> None:
    clip = cached_clip("hls-320x240-6s.mp4", seconds=6.0, width=320, height=240)
    g = Graph("hls")
    src = g.add("ingest.video", id="src", source=str(clip))
    venc = g.add("encode.h264", id="venc", preset="ultrafast", keyint=30)
    aenc = g.add("encode.aac", id="aenc")
    out = g.add("publish.hls", id="out", folder=str(folder), segment_s=1.0, **params)
    src.video >> venc.video
    src.audio >> aenc.audio
    venc.packets >> out.packets
    aenc.packets >> out.packets
    g.run(realtime=False)


def test_vod_playlist_reads_back_with_pyav_and_ffprobe(tmp_path: Path) -> None:
    _publish(tmp_path, kind="vod")
    playlist = tmp_path / "index.m3u8"
    text = playlist.read_text()
    assert "#EXT-X-ENDLIST" in text and "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert len(list(tmp_path.glob("segment_*.ts"))) == 6
    with av.open(str(playlist)) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        frames = [read_counter(f.to_ndarray(format="gray")) for f in container.decode(video=0)]
    assert frames == list(range(180))
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        pytest.fail("ffprobe missing (apt-get install ffmpeg)")
    probe = json.loads(subprocess.run([ffprobe, "-v", "error", "-of", "json", "-show_format", "-show_streams",
                                       str(playlist)], capture_output=True, check=True, timeout=30).stdout)
    assert float(probe["format"]["duration"]) == pytest.approx(6.0, abs=0.1)
    assert sorted(s["codec_name"] for s in probe["streams"]) == ["aac", "h264"]


def test_rolling_playlist_keeps_the_last_segments(tmp_path: Path) -> None:
    _publish(tmp_path, list_size=3)
    text = (tmp_path / "index.m3u8").read_text()
    listed = [line for line in text.splitlines() if line.endswith(".ts")]
    assert listed == ["segment_00003.ts", "segment_00004.ts", "segment_00005.ts"]
    on_disk = sorted(p.name for p in tmp_path.glob("segment_*.ts"))
    assert "segment_00000.ts" not in on_disk and "segment_00005.ts" in on_disk
