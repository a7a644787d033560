"""render.kernels: frames start on the numpy twins without importing Numba, and Numba's kernels come in on a
background thread only once a frame blends enough pixels for them to pay; the bytes never change."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("numba")

PROBE = """
import sys
import numpy as np
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render import kernels
from ggpgfx.render.composite import blend_plane_numpy, composite_layers
from ggpgfx.render.layers import layer_from_rgba

rng = np.random.default_rng(3)
small = layer_from_rgba(rng.integers(0, 256, (130, 380, 4), dtype=np.uint8), 100, 60)
frame = VideoFrame.blank(1920, 1080)
for _ in range(3):
    composite_layers(frame, [small])
print("after_small", "numba" in sys.modules, kernels.loaded() is not None, kernels._loader is not None)
big = layer_from_rgba(rng.integers(0, 256, (500, 500, 4), dtype=np.uint8), 600, 300)
composite_layers(frame, [big])
kernels._loader.join(120)
print("after_big", "numba" in sys.modules, kernels.loaded() is not None)
frames = [VideoFrame.blank(1920, 1080) for _ in range(2)]
composite_layers(frames[0], [small, big])
composite_layers(frames[1], [small, big], blend=blend_plane_numpy)
print("same_bytes", all(np.array_equal(a, b) for a, b in zip(frames[0].planes, frames[1].planes)))
"""


def test_numba_loads_in_the_background_only_when_a_frame_blends_enough_pixels() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert lines["after_small"] == "False False False"  # 49,400 pixels a frame: the numpy twins, no Numba
    assert lines["after_big"] == "True True"  # 250,000: loaded, on the background thread
    assert lines["same_bytes"] == "True"


NODE_PROBE = """
import sys
if sys.argv[1] == "numba_first":
    import numba  # another node's kernels (a poker graph's equity) brought Numba into the process
from ggpgfx.api import Graph
from ggpgfx.render import kernels

g = Graph("t")
bars = g.add("ingest.test_pattern", id="bars", width=320, height=240, frames=3)
gfx = g.add("render.overlay", id="gfx", animate=False, players="off", board="off", lower_third_title="T")
sink = g.add("sink.null", id="sink")
bars.video >> gfx.video
gfx.video >> sink.inp
g.run(realtime=False)
print("loaded", kernels.loaded() is not None, kernels._loader is not None)
"""


@pytest.mark.parametrize(("first", "expected"), [("numba_first", "True False"), ("plain", "False False")])
def test_overlay_setup_loads_the_kernels_only_when_numba_is_in_the_process(first: str, expected: str) -> None:
    """With Numba loaded by another node, the overlay loads its kernels in setup, before frames flow: loading
    them mid-run held Numba's compiler lock while a live table's rules node loaded its own (seconds)."""
    proc = subprocess.run([sys.executable, "-c", NODE_PROBE, first], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == f"loaded {expected}"
