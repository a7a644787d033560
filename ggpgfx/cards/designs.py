"""Real deck designs: freely licensed SVG decks from Debian packages, rendered once per card with rsvg-convert.

The KDE card decks (`kdegames-card-data-kf5`, /usr/share/carddecks) ship one SVG per design with an element
per card (`1_club` ... `king_spade`). Each card is exported with `rsvg-convert --export-id`, zoomed to
about RENDER_WIDTH px wide and cropped to the card outline (some decks export stray pixels around the card);
the PNGs are cached under `$GGP_HOME/cards/designs/<design>/`. Designs are split by role: `train` (the classifier learns them),
`validation` (calibration and the abstain threshold, never trained on) and `test` (held out: only reported).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from ggpgfx.errors import ConfigError

CARDDECKS = Path("/usr/share/carddecks")
RENDER_WIDTH = 240  # cards are exported at about this width (KDE decks are drawn 65-150 px wide)
Role = Literal["train", "validation", "test", "extra"]
_RANK_IDS = {"A": "1", "T": "10", "J": "jack", "Q": "queen", "K": "king"}
_SUIT_IDS = {"c": "club", "d": "diamond", "h": "heart", "s": "spade"}


@dataclass(frozen=True)
class Design:
    """One real deck design: where its SVG is, what it looks like, its licence and its role."""

    name: str
    folder: str  # under /usr/share/carddecks
    look: str
    licence: str
    role: Role


_KDE_GPL = "GPL-2+ (Debian copyright of kdegames-card-data-kf5, `Files: *`)"

#: Every French-suited KDE deck whose cards export cleanly (future, konqi-modern,
#: xskat-french and gm-paris's jack of clubs do not).
DESIGNS: dict[str, Design] = {d.name: d for d in [
    Design("standard", "svg-standard", "classic French pattern, small stacked index", "GPL-2+ (John Fitzgibbon)",
           "test"),
    Design("jolly-royal", "svg-jolly-royal", "modern minimal, flat colours, big letter courts", _KDE_GPL, "test"),
    Design("penguins", "svg-penguins", "large bold index, cartoon courts", "GPL-3+ (Tux artwork notice)", "test"),
    Design("tigullio", "svg-tigullio-international", "classic pattern, grey-shaded face",
           "GPL-2+ (Luciano Montanaro)", "validation"),
    Design("nicu-white", "svg-nicu-white", "white, simple pips, cartoon courts", _KDE_GPL, "train"),
    Design("ancient-egyptians", "svg-ancient-egyptians", "cream, Egyptian courts", _KDE_GPL, "train"),
    Design("dondorf", "svg-dondorf", "19th-century German-made French pattern", _KDE_GPL, "train"),
    Design("nicu-ornamental", "svg-nicu-ornamental", "cream, ornamental frame", _KDE_GPL, "train"),
    # Index in the top-RIGHT corner, rank only: the classifier reads top-left/bottom-right indices, so
    # these must come out "unknown" (an abstain check, not a read-rate one).
    Design("oxygen", "svg-oxygen", "dark red face, index top-right", _KDE_GPL, "extra"),
    Design("oxygen-white", "svg-oxygen-white", "white, silhouettes, index top-right", _KDE_GPL, "extra"),
]}


def designs(role: Role) -> list[str]:
    """Design names with one role."""
    return [d.name for d in DESIGNS.values() if d.role == role]


def get_design(name: str) -> Design:
    """A design by name, with a clear error."""
    try:
        return DESIGNS[name]
    except KeyError:
        raise ConfigError(f"unknown deck design {name!r}; known: {', '.join(DESIGNS)}") from None


def svg_path(design: Design) -> Path:
    """The design's SVG(Z) file; a clear error when the Debian package is not installed."""
    folder = CARDDECKS / design.folder
    files = sorted(folder.glob("*.svg*")) if folder.is_dir() else []
    if not files:
        raise ConfigError(f"deck design {design.name!r} needs {folder} (apt-get install kdegames-card-data-kf5)")
    return files[0]


def cache_dir() -> Path:
    """Where rendered cards are kept: `$GGP_HOME/cards/designs`."""
    from ggpgfx.config import ggp_home

    return ggp_home() / "cards" / "designs"


def _crop_card(rgba: np.ndarray) -> np.ndarray | None:
    """The largest opaque card-shaped component (height/width 1.25-1.6) of an export, or None."""
    import cv2

    mask = (rgba[..., 3] > 128).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    best: tuple[int, int, int, int, int] | None = None
    for k in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[k])
        if w >= 40 and 1.25 < h / w < 1.6 and area > 0.8 * w * h and (best is None or area > best[4]):
            best = (x, y, w, h, area)
    if best is None:
        return None
    x, y, w, h, _ = best
    return rgba[y:y + h, x:x + w].copy()


def render_design_card(design: Design, card: str) -> np.ndarray:
    """RGBA (H, W, 4) uint8 of one card of a design, rendered with rsvg-convert and cropped to the card."""
    from PIL import Image

    exe = shutil.which("rsvg-convert")
    if exe is None:
        raise ConfigError("rendering real deck designs needs rsvg-convert (apt-get install librsvg2-bin)")
    element = f"{_RANK_IDS.get(card[0], card[0])}_{_SUIT_IDS[card[1]]}"
    zoom = 1.0
    cropped: np.ndarray | None = None
    for _ in range(2):  # once at the drawing's size, then zoomed so the card is RENDER_WIDTH wide
        done = subprocess.run([exe, "-i", element, "-z", f"{zoom:.4f}", str(svg_path(design))],
                              capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise ConfigError(f"rsvg-convert could not export {element} of {design.name}: "
                              f"{done.stderr.decode(errors='replace').strip()[:200]}")
        cropped = _crop_card(np.asarray(Image.open(io.BytesIO(done.stdout)).convert("RGBA")))
        if cropped is None:
            raise ConfigError(f"{design.name}: the export of {element} holds no card-shaped object")
        if abs(cropped.shape[1] - RENDER_WIDTH) <= 0.1 * RENDER_WIDTH:
            break
        zoom *= RENDER_WIDTH / cropped.shape[1]
    assert cropped is not None
    return cropped


@lru_cache(maxsize=1024)
def design_card(name: str, card: str) -> np.ndarray:
    """RGBA of a card in a design, from the cache (rendered on first use). Do not modify the result."""
    from PIL import Image

    design = get_design(name)
    path = cache_dir() / name / f"{card}.png"
    if path.is_file():
        return np.asarray(Image.open(path).convert("RGBA"))
    rgba = render_design_card(design, card)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own per process: two processes rendering the same card (an evaluation beside a
    # training run) must not rename each other's half-written file
    tmp = path.with_suffix(f".{os.getpid()}.tmp.png")
    Image.fromarray(rgba).save(tmp)
    tmp.replace(path)
    return rgba


def available() -> bool:
    """Whether the KDE decks and rsvg-convert are installed."""
    return CARDDECKS.is_dir() and shutil.which("rsvg-convert") is not None
