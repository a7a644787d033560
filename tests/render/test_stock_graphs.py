"""The stock graphs under graphs/: all validate; the two-output graph runs and writes both feeds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import pytest

REPO = Path(__file__).resolve().parents[2]
GGP = str(Path(sys.executable).parent / "ggp")
GRAPHS = sorted(p.name for p in (REPO / "graphs").glob("*.yaml"))


@pytest.mark.parametrize("name", GRAPHS)
def test_stock_graph_validates(name: str) -> None:
    done = subprocess.run([GGP, "validate", str(REPO / "graphs" / name)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_live_and_delayed_writes_both_feeds(tmp_path: Path) -> None:
    venue, broadcast = tmp_path / "venue.mp4", tmp_path / "broadcast.mp4"
    done = subprocess.run([GGP, "run", str(REPO / "graphs" / "live-and-delayed.yaml"), "--max-frames", "60",
                           "--set", f"venue.path={venue}", "--set", f"broadcast.path={broadcast}",
                           "--set", "delay.delay_s=0.5"],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for path in (venue, broadcast):
        with av.open(str(path)) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert frames >= 30, f"{path.name}: {frames} frames"
