"""Golden images: every element in both skins at 1080p, plus 720p and 9:16 vertical.

Regenerate after an intended visual change with `GGP_UPDATE_GOLDEN=1 pytest tests/render/test_golden.py`
and look at the PNGs before committing them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from ggpgfx.render.samples import sample_state
from ggpgfx.render.still import render_still

GOLDEN = Path(__file__).parent / "golden"
SHOW = {"ticker": "Final table of the GGP GFX Open - blinds up in 12:00 - follow @ggpgfx", "ticker_label": "LIVE",
        "action_clock_s": 30, "delay_s": 30, "chip_strip": "on"}
#: (sample, size, extra options): together they draw every element of a skin.
CASES: dict[str, tuple[str, tuple[int, int], dict[str, Any]]] = {
    "preflop-1080": ("preflop", (1920, 1080), SHOW),
    "allin-1080": ("allin", (1920, 1080), {}),
    "showdown-1080": ("showdown", (1920, 1080), {}),
    "between-1080": ("between", (1920, 1080), {"lower_third_title": "Maria Konnikova",
                                              "lower_third_subtitle": "Chip leader - 3,120,000"}),
    "omaha-1080": ("omaha", (1920, 1080), {"chip_format": "bb"}),
    "allin-720": ("allin", (1280, 720), {**SHOW, "leaderboard": "on"}),
    "preflop-9x16": ("preflop", (1080, 1920), {**SHOW, "leaderboard": "on", "lower_third_title": "Hand 42"}),
}


def _compare(got: bytes, path: Path, may_update: bool = True) -> None:
    if may_update and (os.environ.get("GGP_UPDATE_GOLDEN") == "1" or not path.exists()):
        if os.environ.get("CI") and not path.exists():
            pytest.fail(f"golden image {path.name} is missing")
        path.write_bytes(got)
    want = np.asarray(Image.open(path).convert("RGBA"), dtype=np.int16)
    have = np.asarray(Image.open(io.BytesIO(got)).convert("RGBA"), dtype=np.int16)
    assert have.shape == want.shape, f"{path.name}: size {have.shape} != golden {want.shape}"
    diff = np.abs(have - want)
    # FreeType builds differ slightly in hinting: allow faint edge noise, not moved or missing elements
    assert diff.mean() < 0.6, f"{path.name}: mean difference {diff.mean():.3f}"
    assert (diff.max(axis=-1) > 48).mean() < 0.002, f"{path.name}: too many changed pixels"


@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(skin: str, case: str) -> None:
    sample, size, options = CASES[case]
    png = render_still(sample_state(sample), skin=skin, size=size, background="transparent", **options)
    _compare(png, GOLDEN / f"{skin}-{case}.png")


def test_golden_detects_a_change() -> None:
    """The comparison is not blind: a different state fails against a golden image."""
    path = GOLDEN / "broadcast-allin-1080.png"
    other = render_still(sample_state("showdown"), size=(1920, 1080), background="transparent")
    with pytest.raises(AssertionError):
        _compare(other, path, may_update=False)
