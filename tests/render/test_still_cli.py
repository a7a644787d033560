"""render_still and `ggp render still`: PNG bytes, sizes, readable errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from ggpgfx.errors import ConfigError
from ggpgfx.render.samples import sample_state
from ggpgfx.render.still import render_still

GGP = [str(Path(sys.executable).parent / "ggp")]


def test_render_still_returns_png_of_the_asked_size() -> None:
    png = render_still(sample_state("preflop"), skin="minimal", size=(1280, 720), reveal="live")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1280, 720)
    with pytest.raises(ConfigError, match="even numbers"):
        render_still(sample_state("preflop"), size=(1281, 720))


def test_cli_renders_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(sample_state("allin").model_dump()))
    out = tmp_path / "preview.png"
    done = subprocess.run([*GGP, "render", "still", "--state", str(state), "--size", "1280x720", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (1280, 720)


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"seats": 3}')
    done = subprocess.run([*GGP, "render", "still", "--state", str(bad), "-o", str(tmp_path / "x.png")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip() == f"error: state file {bad}: seats: Input should be a valid list"
    done = subprocess.run([*GGP, "render", "still", "--sample", "allin", "--size", "big", "-o", "x.png"],
                          capture_output=True, text=True, timeout=120)
    assert "use WIDTHxHEIGHT" in done.stderr and "Traceback" not in done.stderr
