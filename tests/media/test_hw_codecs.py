"""Hardware codecs behind `device: cuda`: h264_cuvid / h264_nvenc where they open, else the CPU codec, said once."""

from __future__ import annotations

import logging

import pytest

from ggpgfx.api import Graph
from ggpgfx.media.testclip import cached_clip


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and text in r.getMessage()]


def test_nvenc_falls_back_to_libx264_with_the_reason(fake_cuda: None, caplog: pytest.LogCaptureFixture) -> None:
    g = Graph("nvenc", fps=30)
    src = g.add("ingest.test_pattern", width=320, height=240, frames=12)
    enc = g.add("encode.h264", id="enc", device="cuda")
    sink = g.add("sink.collect", id="sink")
    src.video >> enc.video
    enc.packets >> sink.inp
    with caplog.at_level(logging.WARNING):
        result = g.run(realtime=False)
    node = result.instances["enc"]
    if node.codec == "h264_nvenc":  # a machine with NVENC: nothing to fall back from
        assert not _warnings(caplog, "h264_nvenc unavailable")
    else:
        lines = _warnings(caplog, "h264_nvenc unavailable")
        assert len(lines) == 1 and lines[0].startswith("enc (encode.h264): h264_nvenc unavailable (")
        assert lines[0].endswith("): encoding with libx264")
    assert len(result.collected("sink")) == 12


def test_cuvid_falls_back_to_the_cpu_decoder_with_the_reason(fake_cuda: None,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    clip = cached_clip("ingest-320x240-2s.mp4", seconds=2.0, width=320, height=240)
    g = Graph("cuvid")
    src = g.add("ingest.video", id="src", source=str(clip), audio=False, loop=False, device="cuda")
    video = g.add("sink.collect", id="video")
    src.video >> video.inp
    with caplog.at_level(logging.WARNING):
        result = g.run(realtime=False)
    frames = result.collected("video")
    assert len(frames) == 60 and all(f.format == "yuv420p" and f.device == "cpu" for f in frames)
    if result.instances["src"].vdecoder is None:
        lines = _warnings(caplog, "h264_cuvid unavailable")
        assert len(lines) == 1 and lines[0].startswith("src (ingest.video): h264_cuvid unavailable (")


def test_on_a_machine_without_cuda_the_codecs_are_never_tried(caplog: pytest.LogCaptureFixture) -> None:
    from ggpgfx.runtime import devices

    if devices.cuda_device_count():
        pytest.skip("this machine has a CUDA device")
    g = Graph("nocuda", fps=30)
    src = g.add("ingest.test_pattern", width=320, height=240, frames=3)
    enc = g.add("encode.h264", id="enc", device="cuda")
    sink = g.add("sink.collect", id="sink")
    src.video >> enc.video
    enc.packets >> sink.inp
    with caplog.at_level(logging.WARNING):
        result = g.run(realtime=False)
    assert result.instances["enc"].codec == "libx264"
    assert _warnings(caplog, "unavailable") == ["enc (encode.h264): device cuda unavailable (no CUDA): using the CPU"]
