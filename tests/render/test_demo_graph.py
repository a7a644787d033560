"""graphs/demo.yaml end to end (shortened): the real CLI writes an MP4 that PyAV plays, with the overlay in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[2]
GGP = str(Path(sys.executable).parent / "ggp")




def test_demo_graph_writes_a_playable_mp4_with_the_overlay(tmp_path: Path) -> None:
    mp4, hls = tmp_path / "demo.mp4", tmp_path / "hls"
    done = subprocess.run([GGP, "run", str(REPO / "graphs" / "demo.yaml"), "--max-frames", "150",
                           "--set", f"mp4.path={mp4}", "--set", f"hls.folder={hls}"],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        frames = [f for f in container.decode(stream)]
    assert len(frames) == 150
    last = frames[-1].to_ndarray(format="yuv420p")[:720]
    # the ticker's gold label box sits at the bottom left of the title-safe area (broadcast skin, 720p: 29 px tall)
    label = last[658:680, 68:100]
    assert label.mean() > 100, f"ticker label missing (luma {label.mean():.0f})"
    # the ticker text scrolls: the bar differs between two frames a second apart
    a = frames[-31].to_ndarray(format="yuv420p")[658:680, 160:1200].astype(int)
    b = frames[-1].to_ndarray(format="yuv420p")[658:680, 160:1200].astype(int)
    assert np.abs(a - b).mean() > 1
    # the sponsor logo's gold chip (bottom right, above the ticker)
    logo = last[606:646, 968:1010]
    assert logo.max() > 150
    # the first player box (top left) carries the name in white once the first hand starts
    assert (last[74:125, 112:232] > 200).sum() > 100, "no player box"
    assert (hls / "index.m3u8").is_file() and list(hls.glob("*.ts"))
