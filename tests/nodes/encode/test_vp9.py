"""encode.vp9: VP9-alpha WebM (ffprobe sees alpha_mode, libvpx decodes yuva420p with the alpha back)."""

from __future__ import annotations

import sys
from pathlib import Path

import av
import numpy as np
from ggpgfx.nodes.encode.vp9 import Vp9Encoder
from ggpgfx.nodes.publish.file import FilePublisher

from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.probe import ffprobe_streams
from ggpgfx.testing import at, run_node

sys.path.insert(0, str(Path(__file__).parent))
from alpha_frames import alpha_frame, decoded_alpha  # noqa: E402


def _webm(tmp_path: Path, frames: list[VideoFrame], **params: object) -> Path:
    out = run_node(Vp9Encoder, params, inputs={"video": [at(f.pts, f) for f in frames]})
    assert len(out["packets"]) == len(frames)
    path = tmp_path / "gfx.webm"
    run_node(FilePublisher, {"path": str(path)}, inputs={"packets": [at(p.pts_us, p) for p in out["packets"]]})
    return path


def test_vp9_webm_keeps_alpha(tmp_path: Path) -> None:
    frames = [alpha_frame(i) for i in range(8)]
    path = _webm(tmp_path, frames, crf=20)
    stream = ffprobe_streams(path)["streams"][0]
    assert stream["codec_name"] == "vp9"
    # ffprobe's native VP9 decoder ignores the alpha; the stream says it is there, libvpx decodes it
    assert stream["tags"].get("ALPHA_MODE", stream["tags"].get("alpha_mode")) == "1"
    with av.open(str(path)) as container:
        decoder = av.CodecContext.create("libvpx-vp9", "r")
        decoded = [f for p in container.demux(video=0) if p.size for f in decoder.decode(p)]
    assert len(decoded) == len(frames)
    for frame, source in zip(decoded, frames, strict=True):
        assert frame.format.name == "yuva420p"
        error = np.abs(decoded_alpha(frame).astype(int) - source.planes[3])
        assert error.mean() < 2 and np.percentile(error, 99) <= 12  # lossy: ringing at the box's hard edges


def test_opaque_input_makes_plain_vp9(tmp_path: Path) -> None:
    frames = [VideoFrame.blank(320, 180, pts=i * 33_333) for i in range(3)]
    path = _webm(tmp_path, frames)
    assert "ALPHA_MODE" not in ffprobe_streams(path)["streams"][0].get("tags", {})


def test_rgba_input_is_converted_with_alpha(tmp_path: Path) -> None:
    rgba = np.zeros((180, 320, 4), np.uint8)
    rgba[40:140, 60:260] = (250, 200, 20, 255)
    frames = [VideoFrame([rgba], "rgba", 320, 180, i * 33_333) for i in range(3)]
    path = _webm(tmp_path, frames)
    with av.open(str(path)) as container:
        decoder = av.CodecContext.create("libvpx-vp9", "r")
        last = [f for p in container.demux(video=0) if p.size for f in decoder.decode(p)][-1]
    alpha = decoded_alpha(last)
    assert alpha[90, 160] > 240 and alpha[10, 10] < 10
