"""publish.png_sequence: numbered RGBA PNGs with the frame's alpha, and frames.csv mapping numbers to pts."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from ggpgfx.nodes.publish.png_sequence import PngSequencePublisher
from PIL import Image

from ggpgfx.media.frames import VideoFrame
from ggpgfx.testing import at, run_node


def _rgba(index: int) -> VideoFrame:
    pixels = np.zeros((90, 160, 4), np.uint8)
    pixels[10:50, 10 + index:90 + index] = (255, 128, 0, 200)
    return VideoFrame([pixels], "rgba", 160, 90, index * 40_000)


def test_writes_numbered_pngs_with_alpha_and_an_index(tmp_path: Path) -> None:
    frames = [_rgba(i) for i in range(5)]
    run_node(PngSequencePublisher, {"folder": str(tmp_path), "start_number": 1, "digits": 4},
             inputs={"video": [at(f.pts, f) for f in frames]})
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [f"frame_{n:04d}.png" for n in range(1, 6)]
    for frame, name in zip(frames, names, strict=True):
        with Image.open(tmp_path / name) as image:
            assert image.mode == "RGBA"
            assert np.array_equal(np.asarray(image), frame.planes[0])
    with open(tmp_path / "frames.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [(int(r["number"]), r["file"], int(r["pts_us"])) for r in rows] == [
        (n + 1, f"frame_{n + 1:04d}.png", n * 40_000) for n in range(5)]
    assert not list(tmp_path.glob(".*.part"))


def test_yuva420p_converts_with_its_alpha(tmp_path: Path) -> None:
    frame = VideoFrame.blank(64, 32, "yuva420p")
    frame.planes[0][:, :32] = 235
    frame.planes[3][:, :32] = 255
    run_node(PngSequencePublisher, {"folder": str(tmp_path)}, inputs={"video": [frame]})
    with Image.open(tmp_path / "frame_000000.png") as image:
        pixels = np.asarray(image)
    assert pixels[5, 5].tolist() == [255, 255, 255, 255]
    assert pixels[5, 50, 3] == 0


def test_prefix_must_be_a_plain_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        PngSequencePublisher.Params(folder=str(tmp_path), prefix="../x")
