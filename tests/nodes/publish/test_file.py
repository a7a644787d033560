"""publish.file: mp4 with faststart and the right duration, mkv/ts, and segments by duration."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ggpgfx.api import Graph
from ggpgfx.media.probe import counters, stream_summary, top_level_boxes
from ggpgfx.media.testclip import cached_clip


@pytest.fixture(scope="module")
def clip() -> Path:
    return cached_clip("file-320x240-3s-k15.mp4", seconds=3.0, width=320, height=240, keyint=15)


def _record(clip: Path, path: Path, executor: str = "local", realtime: bool = False,
            **params: object) -> list[str]:
    g = Graph("t")
    src = g.add("ingest.video", id="src", source=str(clip))
    venc = g.add("encode.h264", id="venc", preset="ultrafast", keyint=15)
    aenc = g.add("encode.aac", id="aenc")
    out = g.add("publish.file", id="out", path=str(path), **params)
    files = g.add("sink.collect", id="files")
    src.video >> venc.video
    src.audio >> aenc.audio
    venc.packets >> out.packets
    aenc.packets >> out.packets
    out.files >> files.inp
    return g.run(executor, realtime=realtime).collected("files")


def test_mp4_has_faststart_duration_and_audio(clip: Path, tmp_path: Path, executor: str) -> None:
    path = tmp_path / "rec" / "out.mp4"
    assert _record(clip, path, executor) == [str(path)]
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")
    summary = stream_summary(path)
    assert summary["video"]["codec"] == "h264" and summary["video"]["frames"] == 90
    assert summary["video"]["last"] == pytest.approx(89 / 30, abs=0.002)
    assert summary["audio"]["codec"] == "aac" and summary["audio"]["last"] == pytest.approx(3.0, abs=0.05)
    assert counters(path) == list(range(90))


@pytest.mark.parametrize("name", ["out.mkv", "out.ts"])
def test_other_containers(clip: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _record(clip, path)
    summary = stream_summary(path)
    assert summary["video"]["frames"] == 90 and summary["audio"]["frames"] > 100


def test_segments_split_at_keyframes(clip: Path, tmp_path: Path) -> None:
    files = _record(clip, tmp_path / "part-{index}.mp4", segment_s=1.0)
    assert [Path(f).name for f in files] == ["part-0000.mp4", "part-0001.mp4", "part-0002.mp4"]
    frames = [stream_summary(f)["video"] for f in files]
    assert [f["frames"] for f in frames] == [30, 30, 30]
    assert all(f["first"] == pytest.approx(0.0, abs=0.001) for f in frames)
    assert sum((counters(f) for f in files), []) == list(range(90))


def test_recording_stays_playable_when_the_source_breaks(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    broken = tmp_path / "cut.mp4"
    broken.write_bytes(data[: len(data) * 2 // 3])
    path = tmp_path / "partial.mp4"
    g = Graph("t")
    src = g.add("ingest.video", id="src", source=str(broken), audio=False)
    venc = g.add("encode.h264", id="venc", preset="ultrafast", keyint=15)
    out = g.add("publish.file", id="out", path=str(path))
    src.video >> venc.video
    venc.packets >> out.packets
    result = g.run(realtime=False, raise_on_error=False)
    assert result.error is not None and "cut.mp4" in str(result.error)
    frames = counters(path)  # the trailer was written: the part before the break plays
    assert frames and frames == list(range(len(frames)))


def test_concurrent_recordings_to_one_path_leave_one_whole_file(clip: Path, tmp_path: Path) -> None:
    import threading

    short = cached_clip("file-320x240-2s-k15.mp4", seconds=2.0, width=320, height=240, keyint=15)
    path = tmp_path / "same.mp4"
    results: list[list[str]] = []
    # a 2 s recording in real time; a 3 s one flat out that starts and finishes while the first writes
    slow = threading.Thread(target=lambda: results.append(_record(short, path, realtime=True)))
    slow.start()
    time.sleep(0.7)
    results.append(_record(clip, path))
    slow.join(timeout=120)
    assert results == [[str(path)], [str(path)]]
    # the last to finish (the 2 s one) wins, whole: not two recordings interleaved into one file
    assert counters(path) == list(range(60))
    assert stream_summary(path)["video"]["frames"] == 60
    alone = tmp_path / "alone" / "short.mp4"
    _record(short, alone)
    assert path.stat().st_size == alone.stat().st_size  # no bytes of the other recording left in it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone", "same.mp4"]  # no temporary files left behind
