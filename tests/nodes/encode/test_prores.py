"""encode.prores: ProRes 4444 .mov files keep the alpha (ffprobe sees ap4h + yuva444p, PyAV decodes it back)."""

from __future__ import annotations

import sys
from pathlib import Path

import av
import numpy as np
import pytest
from ggpgfx.nodes.encode.prores import ProResEncoder
from ggpgfx.nodes.publish.file import FilePublisher

from ggpgfx.errors import ConfigError
from ggpgfx.media.probe import ffprobe_streams
from ggpgfx.media.video_encoder import EncoderSpec, check_encoder
from ggpgfx.testing import at, run_node

sys.path.insert(0, str(Path(__file__).parent))
from alpha_frames import alpha_frame, decoded_alpha  # noqa: E402


def test_prores_4444_mov_keeps_alpha(tmp_path: Path) -> None:
    frames = [alpha_frame(i) for i in range(6)]
    out = run_node(ProResEncoder, {"profile": "4444"}, inputs={"video": [at(f.pts, f) for f in frames]})
    packets = out["packets"]
    assert len(packets) == 6 and all(p.keyframe for p in packets)
    assert [p.pts_us for p in packets] == pytest.approx([f.pts for f in frames], abs=12)
    path = tmp_path / "gfx.mov"
    run_node(FilePublisher, {"path": str(path)}, inputs={"packets": [at(p.pts_us, p) for p in packets]})
    stream = ffprobe_streams(path)["streams"][0]
    assert stream["codec_name"] == "prores" and stream["codec_tag_string"] == "ap4h"
    assert stream["pix_fmt"].startswith("yuva444p"), stream["pix_fmt"]
    with av.open(str(path)) as container:
        decoded = list(container.decode(video=0))
    assert len(decoded) == 6
    for frame, source in zip(decoded, frames, strict=True):
        assert frame.format.name.startswith("yuva444p")
        assert np.abs(decoded_alpha(frame).astype(int) - source.planes[3]).max() <= 2


def test_profiles_without_alpha() -> None:
    assert ProResEncoder.Params(profile="hq").spec().pix_fmt == "yuv422p10le"
    no_alpha = ProResEncoder.Params(profile="4444", alpha_bits=0).spec()
    assert no_alpha.pix_fmt == "yuv444p10le" and not no_alpha.alpha


def test_bad_params_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="profile"):
        ProResEncoder.Params(profile="ultra")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no prores_nope encoder"):
        check_encoder(EncoderSpec("prores_nope", "prores", "yuv420p"))
