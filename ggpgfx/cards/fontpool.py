"""Training-only font pool: many typefaces from Debian font packages, and random deck styles drawn in them.

The project's own deck styles are all drawn in DejaVu, so a classifier trained on them learns DejaVu's
glyphs rather than the characters A K Q J 10 2-9 and the four suits. The pool gathers the upright fonts of
a few freely licensed Debian packages (`FONT_PACKAGES`, fixed paths) and keeps only those that really draw
the glyphs a card index needs (`renders`); `random_style` draws a whole deck style (rank font, suit font,
index layout and size, colours, centre art) from it, reproducibly from a seed and an index.

Only training uses this: inference never renders a card. With none of the packages installed the pool is
the shipped DejaVu fonts, with a warning naming the packages (as `designs.installed_designs` does for
missing deck designs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ggpgfx.cards.deck import FONTS_DIR, SUIT_GLYPHS, Centre, DeckStyle, IndexLayout
from ggpgfx.cards.synth import FONT_STYLE_PREFIX as STYLE_PREFIX
from ggpgfx.errors import ConfigError

log = logging.getLogger(__name__)

#: Debian package -> the folder its fonts are installed in (one format per package: no duplicates).
FONT_PACKAGES: dict[str, Path] = {
    "fonts-urw-base35": Path("/usr/share/fonts/opentype/urw-base35"),
    "fonts-freefont-ttf": Path("/usr/share/fonts/truetype/freefont"),
    "fonts-liberation2": Path("/usr/share/fonts/truetype/liberation2"),
    "fonts-texgyre": Path("/usr/share/texmf/fonts/opentype/public/tex-gyre"),
}
#: Card indices are printed upright: italic and oblique cuts and script faces are left out; so are the
#: symbol fonts, whose Latin code points draw Greek letters or dingbats.
_EXCLUDED = ("italic", "oblique", "ita.", "z003", "chorus", "standardsymbols", "d050000l")
RANK_TEXTS = ("A", "K", "Q", "J", "10", "T", "2", "3", "4", "5", "6", "7", "8", "9")
SUIT_TEXTS = tuple(SUIT_GLYPHS.values())
_MISSING = "\U0010fffd"  # a private-use code point no font draws: its mask is the font's .notdef box


@dataclass(frozen=True)
class FontPool:
    """Fonts that draw every rank (and, for `suit_fonts`, every suit), and the packages they came from."""

    rank_fonts: tuple[str, ...]  # absolute paths, or names in the shipped fonts folder (fallback)
    suit_fonts: tuple[str, ...]
    packages: tuple[str, ...]  # installed font packages that gave fonts; empty: the shipped DejaVu fallback

    def manifest(self) -> dict[str, object]:
        """What the pool holds, for a training run's dataset manifest."""
        return {"packages": list(self.packages), "rank_fonts": [Path(f).name for f in self.rank_fonts],
                "suit_fonts": [Path(f).name for f in self.suit_fonts]}


def _mask(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    size = int(font.size)
    image = Image.new("L", (8 * size, 2 * size), 0)
    ImageDraw.Draw(image).text((size // 2, size // 4), text, font=font, fill=255)
    return np.asarray(image) > 127


def renders(path: str | Path, texts: tuple[str, ...], size: int = 40) -> bool:
    """Whether the font draws every text: a non-empty mask that is not the font's .notdef box."""
    try:
        font = ImageFont.truetype(str(path), size)
    except OSError:
        return False
    missing = _mask(font, _MISSING)
    for text in texts:
        mask = _mask(font, text)
        if not mask.any() or np.array_equal(mask, missing):
            return False
    return True


def _candidates(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    return [p for p in files if not any(word in p.name.lower() for word in _EXCLUDED)]


def _shipped() -> FontPool:
    names = sorted(p.name for p in FONTS_DIR.glob("*.ttf"))
    return FontPool(tuple(n for n in names if "ExtraLight" not in n), tuple(names), ())


@lru_cache(maxsize=1)
def font_pool() -> FontPool:
    """The installed pool (cached); the shipped DejaVu fonts, with a warning, when no package is installed."""
    ranks: list[str] = []
    suits: list[str] = []
    packages: list[str] = []
    for package, folder in FONT_PACKAGES.items():
        if not folder.is_dir():
            continue
        before = len(ranks)
        for path in _candidates(folder):
            if renders(path, RANK_TEXTS):
                ranks.append(str(path))
                if renders(path, SUIT_TEXTS):
                    suits.append(str(path))
        if len(ranks) > before:
            packages.append(package)
    if not ranks:
        log.warning("no training font packages installed (apt-get install %s): random styles use the shipped "
                    "DejaVu fonts only", " ".join(FONT_PACKAGES))
        return _shipped()
    if not suits:  # DejaVu draws the suits; the shipped copies always do
        suits = [n for n in _shipped().suit_fonts if "ExtraLight" not in n]
    return FontPool(tuple(ranks), tuple(suits), tuple(packages))


def _colour(rng: np.random.Generator, low: tuple[int, int, int], high: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = (int(rng.integers(lo, hi + 1)) for lo, hi in zip(low, high, strict=True))
    return r, g, b


def random_style(seed: int, index: int, pool: FontPool | None = None) -> DeckStyle:
    """Deck style number `index` of the seeded family `seed`: the same arguments give the same style.

    Rank and suit fonts from the pool; index layout stacked (60 %), jumbo or side; index scale 0.5-1.15
    (the real test decks draw their index about half as large as the project's styles); two or four
    colours; a white to cream face; pips (with larger or smaller pips), one big suit or a plain centre.
    """
    pool = pool or font_pool()
    rng = np.random.default_rng([seed, index])
    layouts: tuple[IndexLayout, ...] = ("stacked", "stacked", "stacked", "jumbo", "side")
    layout = layouts[int(rng.integers(len(layouts)))]
    centres: tuple[Centre, ...] = ("pips", "pips", "pips", "big", "plain")
    centre = centres[int(rng.integers(len(centres)))]
    low = 0.5 if layout != "jumbo" else 0.45
    return DeckStyle(
        name=f"{STYLE_PREFIX}{seed}:{index}",
        rank_font=pool.rank_fonts[int(rng.integers(len(pool.rank_fonts)))],
        suit_font=pool.suit_fonts[int(rng.integers(len(pool.suit_fonts)))],
        index_layout=layout,
        four_colour=bool(rng.random() < 0.3),
        face=_colour(rng, (236, 232, 212), (255, 255, 255)),
        border=_colour(rng, (60, 60, 60), (200, 200, 200)),
        red=_colour(rng, (150, 0, 0), (235, 60, 70)),
        black=_colour(rng, (0, 0, 0), (50, 50, 60)),
        club=_colour(rng, (0, 90, 20), (40, 150, 70)),
        diamond=_colour(rng, (0, 40, 150), (50, 100, 230)),
        ten="T" if rng.random() < 0.15 else "10",
        centre=centre,
        index_scale=float(np.exp(rng.uniform(np.log(low), np.log(1.15)))),
        pip_scale=float(rng.uniform(0.8, 1.5)),
    )


def style_names(seed: int, count: int) -> list[str]:
    """Names of `count` random styles of the family `seed` (what a training style list holds)."""
    return [f"{STYLE_PREFIX}{seed}:{i}" for i in range(count)]


@lru_cache(maxsize=4096)
def style_for_name(name: str) -> DeckStyle:
    """The random style a `font:<seed>:<index>` name stands for."""
    try:
        seed, index = (int(part) for part in name.removeprefix(STYLE_PREFIX).split(":"))
    except ValueError:
        raise ConfigError(f"bad random style name {name!r}: expected {STYLE_PREFIX}<seed>:<index>") from None
    return random_style(seed, index)
