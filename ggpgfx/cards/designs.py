"""Real deck designs: freely licensed decks from Debian packages, rendered once per card.

Three kinds of source:

* `svg`: the KDE card decks (`kdegames-card-data-kf5`, /usr/share/carddecks) ship one SVG per design with an
  element per card (`1_club` ... `king_spade`). Each card is exported with `rsvg-convert --export-id`, zoomed to
  about RENDER_WIDTH px wide and cropped to the card outline (some decks export stray pixels around the card).
  A card whose element does not export (gm-paris's court cards) has a box on the whole sheet instead
  (`sheet_boxes`, measured on the sheet rendered at zoom 1): the sheet is rendered as a page of just that box.
* `svg-image`: KDE decks whose cards are bitmaps embedded in the SVG (`<image id="7_club" href="data:...">`,
  konqi-modern): the PNG is decoded from the SVG, no renderer needed.
* `png-folder`: PokerTH's decks (`pokerth-data`): one PNG per card, numbered diamonds 2..A, hearts, spades,
  clubs (0 = 2 of diamonds, 12 = ace of diamonds, 51 = ace of clubs; read off the images).
* `svg-files`: one SVG per card, named by a pattern (the npm card packages: `10S.svg`, `13h.svg`, `TS.svg`).

Where the files come from (`Design.origin`): a Debian package installed with apt (`debian`), or a pinned npm
package or a Debian package that is only unpacked, not installed (AisleRiot: installing it would pull in 140
packages for one file), both fetched by `scripts/fetch-decks.sh` into `sources_root()` (`fetched`).

Bitmaps are scaled up to about RENDER_WIDTH px (cubic) so every design enters the scene renderer alike.
The PNGs are cached under `$GGP_HOME/cards/designs/<design>/`. Designs are split by role: `train` (the
classifier learns them), `validation` (calibration and the abstain threshold, never trained on) and `test`
(held out: only reported). A design whose Debian package is missing is left out with a warning.
"""

from __future__ import annotations

import base64
import gzip
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from ggpgfx.errors import ConfigError

log = logging.getLogger(__name__)
CARDDECKS = Path("/usr/share/carddecks")
POKERTH_CARDS = Path("/usr/share/games/pokerth/gfx/cards")
AISLERIOT_CARDS = Path("/usr/share/aisleriot/cards")  # gnome-cards-data: AisleRiot's themes, one SVGZ each
Source = Literal["svg", "svg-image", "png-folder", "svg-files"]
Origin = Literal["debian", "fetched"]
_POKERTH_SUITS = "dhsc"  # file number // 13 (0.png-12.png: 2 to ace of diamonds)
_POKERTH_RANKS = "23456789TJQKA"  # file number % 13
RENDER_WIDTH = 240  # cards are exported at about this width (KDE decks are drawn 65-150 px wide)
Role = Literal["train", "validation", "test", "extra"]
_RANK_IDS = {"A": "1", "T": "10", "J": "jack", "Q": "queen", "K": "king"}
_SUIT_IDS = {"c": "club", "d": "diamond", "h": "heart", "s": "spade"}
_RANKS = "23456789TJQKA"
_SUITS = "cdhs"
#: file names of the npm decks: rank spellings in `_RANKS` order, suit spellings in `_SUITS` order
_TEN_UPPER = (("2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K", "A"), ("C", "D", "H", "S"))
_T_UPPER = (tuple(_RANKS), ("C", "D", "H", "S"))


def sources_root() -> Path:
    """Where `scripts/fetch-decks.sh` puts the fetched designs: `$GGP_DECK_SOURCES`, or
    `$XDG_DATA_HOME/ggpgfx/decks` (default `~/.local/share/ggpgfx/decks`)."""
    explicit = os.environ.get("GGP_DECK_SOURCES")
    if explicit:
        return Path(explicit)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "ggpgfx" / "decks"


@dataclass(frozen=True)
class Design:
    """One real deck design: where its SVG is, what it looks like, its licence and its role."""

    name: str
    folder: str  # under /usr/share/carddecks, or an absolute path
    look: str
    licence: str
    role: Role
    source: Source = "svg"
    package: str = "kdegames-card-data-kf5"
    #: cards whose element does not export: (card, (x, y, w, h)) in pixels of the sheet rendered at zoom 1
    sheet_boxes: tuple[tuple[str, tuple[int, int, int, int]], ...] = ()
    origin: Origin = "debian"
    #: `svg`: the sheet's file name when the folder holds other SVGs too ("" = the folder's first SVG)
    sheet: str = ""
    #: `svg`: the id of a card's element, from `rank` (1, 2 ... 10, jack, queen, king) and `suit` (club ...)
    element_form: str = "{rank}_{suit}"
    #: `svg-files`: a card's file name from `rank` and `suit`, spelt by `file_names`
    file_form: str = "{rank}{suit}.svg"
    file_names: tuple[tuple[str, ...], tuple[str, ...]] = _TEN_UPPER

    @property
    def path(self) -> Path:
        """The design's folder."""
        if self.origin == "fetched":
            return sources_root() / self.folder
        return CARDDECKS / self.folder

    @property
    def install_hint(self) -> str:
        """The command(s) that bring the design's files, and rsvg-convert when its cards are SVG exports."""
        svg = self.source in ("svg", "svg-files")
        if self.origin == "fetched":
            return f"scripts/fetch-decks.sh ({self.package})" + ("; apt-get install librsvg2-bin" if svg else "")
        return f"apt-get install {self.package}" + (" librsvg2-bin" if svg else "")

    def card_file(self, card: str) -> Path:
        """`svg-files`: the file of one card."""
        ranks, suits = self.file_names
        return self.path / self.file_form.format(rank=ranks[_RANKS.index(card[0])], suit=suits[_SUITS.index(card[1])])


_KDE_GPL = "GPL-2+ (Debian copyright of kdegames-card-data-kf5, `Files: *`)"
_POKERTH = ("GFDL-1.2+ or public domain (Debian copyright of pokerth-data, `data/gfx/cards/default/*.png`: "
            "Wikimedia Commons user Xiong, 2005-2007)")

_AGUILAR = ("LGPL-3+ (Vectorized Playing Cards 1.3, Chris Aguilar 2011; npm cardsJS 1.1.1, whose own code is MIT: "
            "`cards/readme.txt`, `COPYING.LESSER.txt`)")
_KENNARD = ("CC0-1.0 (Adrian Kennard's SVG playing cards, www.me.uk/cards; npm "
            "@heruka_urgyen/react-playing-cards 0.5.0, README)")
_KENNARD_PACKAGE = "npm @heruka_urgyen/react-playing-cards@0.5.0"
_AISLERIOT = "GPL-3+ (Debian copyright of gnome-cards-data, `Files: *`; AisleRiot's card themes)"

#: Every French-suited Debian deck that looks like a playing card and reads J/Q/K (not used: future, whose
#: "cards" are landscape punched cards; xskat-french, whose courts read B/D/K; xskat-german, German suits).
DESIGNS: dict[str, Design] = {d.name: d for d in [
    Design("standard", "svg-standard", "classic French pattern, small stacked index", "GPL-2+ (John Fitzgibbon)",
           "test"),
    Design("jolly-royal", "svg-jolly-royal", "modern minimal, flat colours, big letter courts", _KDE_GPL, "test"),
    Design("penguins", "svg-penguins", "large bold index, cartoon courts", "GPL-3+ (Tux artwork notice)", "test"),
    Design("tigullio", "svg-tigullio-international", "classic pattern, grey-shaded face",
           "LGPL-2+ (Luciano Montanaro)", "validation"),
    Design("nicu-white", "svg-nicu-white", "white, simple pips, cartoon courts", _KDE_GPL, "train"),
    Design("ancient-egyptians", "svg-ancient-egyptians", "cream, Egyptian courts", _KDE_GPL, "train"),
    Design("dondorf", "svg-dondorf", "19th-century German-made French pattern", _KDE_GPL, "train"),
    Design("nicu-ornamental", "svg-nicu-ornamental", "cream, ornamental frame", _KDE_GPL, "train"),
    Design("gm-paris", "svg-gm-paris", "classic Paris pattern, small index, courts of several sizes",
           _KDE_GPL, "validation",
           # no court card's element exports (a <use> of a shared court drawing): boxes on the sheet
           sheet_boxes=(("Jc", (1723, 56, 85, 132)), ("Qc", (1847, 54, 85, 131)), ("Kc", (1956, 44, 129, 201)),
                        ("Jd", (1756, 298, 84, 131)), ("Qd", (1876, 315, 85, 131)), ("Kd", (2008, 307, 85, 132)),
                        ("Jh", (1922, 591, 85, 132)), ("Qh", (2009, 592, 85, 132)), ("Kh", (2100, 602, 85, 131)),
                        ("Js", (1935, 742, 85, 132)), ("Qs", (2019, 742, 85, 132)), ("Ks", (2104, 742, 85, 132)))),
    Design("konqi-modern", "svg-konqi-modern", "cream, four odd colours (red spades, green hearts), "
           "dragon courts; 72 px bitmaps", "Expat-like Konqi SDK licence (Stefan Spatz et al.; granted to members of "
           "the KDE project): used for validation only, never in the model's weights", "validation",
           source="svg-image"),
    # The Wikimedia Commons poker deck (48 x 76 px bitmaps) and its four-colour twin: same role, always.
    Design("pokerth", str(POKERTH_CARDS / "default"), "poker deck, large index, two colours; 48 px bitmaps",
           _POKERTH, "train", source="png-folder", package="pokerth-data"),
    Design("pokerth-4c", str(POKERTH_CARDS / "default4c"), "the pokerth deck in four colours", _POKERTH, "train",
           source="png-folder", package="pokerth-data"),
    # Fetched by scripts/fetch-decks.sh (pinned npm packages; AisleRiot's deb unpacked, not installed): four
    # more families, three to train on and bonded a fourth validation design (issue #16 round 7). A family's
    # variants always share a role.
    Design("bellot", "npm/svg-cards/package", "classic French courts, thin serif index (David Bellot's SVG-cards)",
           "LGPL-2.1 (SVG-cards 2.0.1, David Bellot; npm svg-cards 4.0.2, Huub de Beer: `LICENSE`, `AUTHORS`)",
           "train", origin="fetched", package="npm svg-cards@4.0.2", sheet="svg-cards.svg",
           element_form="{suit}_{rank}"),
    Design("bonded", "deb/aisleriot/usr/share/aisleriot/cards", "AisleRiot's Bonded deck: bold index, plain courts",
           "GPL-3+ (Debian copyright of aisleriot, `Files: *`)", "validation", origin="fetched",
           package="deb aisleriot (unpacked)", sheet="bonded.svgz", element_form="{suit}_{rank}"),
    Design("aguilar", "npm/cardsJS/package/cards", "classic pattern with scanned-and-traced courts, serif index",
           _AGUILAR, "train", source="svg-files", origin="fetched", package="npm cardsJS@1.1.1"),
    *(Design(f"kennard{suffix}", f"npm/react-playing-cards/package/src/images/{folder}", look, _KENNARD, "train",
             source="svg-files", origin="fetched", package=_KENNARD_PACKAGE, file_names=_T_UPPER)
      for suffix, folder, look in [
          ("", "2color", "generated poker deck, serif index, two colours"),
          # the package's large-court variant, which also draws a large index: the nearest to a jumbo deck
          ("-jumbo-4c", "4color-bf", "the kennard deck with large index and courts, four colours")]),
    # AisleRiot's themes (gnome-cards-data, issue #16 round 8): one SVGZ each, an element per card (`heart_king`).
    # Left out: tigullio (a validation design's twin), dondorf, bellot and ornamental (train designs' twins),
    # gnomangelo (anglo's drawings again), paris (the Paris pattern of the validation design gm-paris),
    # ancient_french (R / D / V and "1"), lattmann, berlin, rheinland, atlasnye_skat (D / B), slavic_costumes and
    # Атласные (Cyrillic), guyenne-classic (courts without a rank letter), orell (no card exports by id),
    # swiss-xvii and tarocco (other suits).
    *(Design(name, str(AISLERIOT_CARDS), look, _AISLERIOT, "train", package="gnome-cards-data", sheet=f"{theme}.svgz",
             element_form="{suit}_{rank}")
      for name, theme, look in [
          ("anglo", "anglo", "English pattern, serif index (AisleRiot)"),
          ("anglo-modern-4c", "anglo_modern_4_color", "the English pattern redrawn, four colours"),
          ("anglo-poker", "anglo_poker", "the English pattern as a poker deck, thin index"),
          ("neoclassical", "neoclassical", "flat modern courts, bold sans index"),
          ("plastic", "plastic", "cartoon courts, bold rounded index"),
          ("simplistic", "simplistic", "a big letter as the court, slab-serif index"),
          ("tango", "tango", "Tango-style icons, index and suit in both top corners, grey face"),
          ("tango-nuevo", "tango_nuevo", "one large index top-left, one huge pip, flat figures")]),
    # Index in the top-RIGHT corner, rank only: the classifier reads top-left/bottom-right indices, so
    # these must come out "unknown" (an abstain check, not a read-rate one).
    Design("oxygen", "svg-oxygen", "dark red face, index top-right", _KDE_GPL, "extra"),
    Design("oxygen-white", "svg-oxygen-white", "white, silhouettes, index top-right", _KDE_GPL, "extra"),
]}


def designs(role: Role) -> list[str]:
    """Design names with one role."""
    return [d.name for d in DESIGNS.values() if d.role == role]


def installed_designs(role: Role) -> list[str]:
    """Design names with one role whose Debian package (and renderer) is installed; a warning for each other."""
    names = []
    for name in designs(role):
        design = DESIGNS[name]
        if design_installed(design):
            names.append(name)
        else:
            log.warning("deck design %s (%s) left out: %s", name, role, design.install_hint)
    return names


def design_installed(design: Design) -> bool:
    """Whether a design's files (and, for SVG exports, rsvg-convert) are there."""
    if design.source == "png-folder":
        return (design.path / "0.png").is_file() and (design.path / "51.png").is_file()
    if design.source == "svg-files":
        files = design.card_file("2c").is_file() and design.card_file("As").is_file()
        return files and shutil.which("rsvg-convert") is not None
    if not design.path.is_dir() or not any(design.path.glob("*.svg*")):
        return False
    return design.source == "svg-image" or shutil.which("rsvg-convert") is not None


def get_design(name: str) -> Design:
    """A design by name, with a clear error."""
    try:
        return DESIGNS[name]
    except KeyError:
        raise ConfigError(f"unknown deck design {name!r}; known: {', '.join(DESIGNS)}") from None


def svg_path(design: Design) -> Path:
    """The design's SVG(Z) file; a clear error when the Debian package is not installed."""
    folder = design.path
    files = sorted(folder.glob(design.sheet or "*.svg*")) if folder.is_dir() else []
    if not files:
        raise ConfigError(f"deck design {design.name!r} needs {folder / design.sheet} ({design.install_hint})")
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


def _element(card: str, form: str = "{rank}_{suit}") -> str:
    return form.format(rank=_RANK_IDS.get(card[0], card[0]), suit=_SUIT_IDS[card[1]])


def _upscale(rgba: np.ndarray) -> np.ndarray:
    """A small bitmap card scaled (cubic) to about RENDER_WIDTH px wide; larger ones are left alone."""
    import cv2

    if rgba.shape[1] >= 0.9 * RENDER_WIDTH:
        return rgba
    size = (RENDER_WIDTH, round(RENDER_WIDTH * rgba.shape[0] / rgba.shape[1]))
    return np.clip(cv2.resize(rgba, size, interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)


def _png_folder_card(design: Design, card: str) -> np.ndarray:
    from PIL import Image

    number = _POKERTH_SUITS.index(card[1]) * 13 + _POKERTH_RANKS.index(card[0])
    path = design.path / f"{number}.png"
    if not path.is_file():
        raise ConfigError(f"deck design {design.name!r} needs {path} ({design.install_hint})")
    return np.asarray(Image.open(path).convert("RGBA"))


def _svg_file_card(design: Design, card: str) -> np.ndarray:
    """A card drawn in a file of its own, rendered RENDER_WIDTH px wide and cropped to its outline."""
    path = design.card_file(card)
    if not path.is_file():
        raise ConfigError(f"deck design {design.name!r} needs {path} ({design.install_hint})")
    page = _rsvg(["-w", str(RENDER_WIDTH), str(path)], f"{path.name} of {design.name}")
    cropped = _crop_card(page)
    if cropped is None:
        raise ConfigError(f"{design.name}: {path.name} holds no card-shaped object")
    return _upscale(cropped)


@lru_cache(maxsize=4)
def _embedded_images(path: Path) -> dict[str, bytes]:
    """The PNG bytes of every `<image id=... href="data:image/png;base64,...">` of an SVG(Z)."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8", errors="replace")
    found: dict[str, bytes] = {}
    for match in re.finditer(r"<image\b(.*?)/?>", text, re.S):
        attributes = match.group(1)
        name = re.search(r'\bid="([^"]+)"', attributes)
        data = re.search(r'base64,([^"]+)"', attributes)
        if name and data:
            found[name.group(1)] = base64.b64decode(re.sub(r"\s", "", data.group(1)))
    return found


def _svg_image_card(design: Design, card: str) -> np.ndarray:
    from PIL import Image

    element = _element(card)
    images = _embedded_images(svg_path(design))
    if element not in images:
        raise ConfigError(f"{design.name}: no embedded image {element!r} in {svg_path(design)}")
    return np.asarray(Image.open(io.BytesIO(images[element])).convert("RGBA"))


def _rsvg(args: list[str], what: str) -> np.ndarray:
    from PIL import Image

    exe = shutil.which("rsvg-convert")
    if exe is None:
        raise ConfigError("rendering real deck designs needs rsvg-convert (apt-get install librsvg2-bin)")
    done = subprocess.run([exe, *args], capture_output=True, timeout=120, check=False)
    if done.returncode != 0:
        raise ConfigError(f"rsvg-convert could not export {what}: {done.stderr.decode(errors='replace').strip()[:200]}")
    return np.asarray(Image.open(io.BytesIO(done.stdout)).convert("RGBA"))


def _sheet_card(design: Design, card: str, box: tuple[int, int, int, int]) -> np.ndarray:
    """A card cut from the whole sheet: a page of just its box (zoom-1 pixels), zoomed to RENDER_WIDTH.

    No outline crop: on gm-paris's sheet the three spade courts touch, so the box is the card."""
    x, y, w, h = box
    zoom = RENDER_WIDTH / w
    args = ["-z", f"{zoom:.4f}", f"--left={-x * zoom:.2f}px", f"--top={-y * zoom:.2f}px",
            f"--page-width={w * zoom:.0f}px", f"--page-height={h * zoom:.0f}px", str(svg_path(design))]
    page = _rsvg(args, f"{card} of {design.name} from its sheet")
    if float(page[..., 3].mean()) < 0.8 * 255:
        raise ConfigError(f"{design.name}: the sheet box of {card} is not filled by a card")
    return page


def render_design_card(design: Design, card: str) -> np.ndarray:
    """RGBA (H, W, 4) uint8 of one card of a design, about RENDER_WIDTH px wide, cropped to the card."""
    if design.source == "png-folder":
        return _upscale(_png_folder_card(design, card))
    if design.source == "svg-image":
        return _upscale(_svg_image_card(design, card))
    if design.source == "svg-files":
        return _svg_file_card(design, card)
    boxes = dict(design.sheet_boxes)
    if card in boxes:
        return _sheet_card(design, card, boxes[card])
    element = _element(card, design.element_form)
    zoom = 1.0
    cropped: np.ndarray | None = None
    for _ in range(2):  # once at the drawing's size, then zoomed so the card is RENDER_WIDTH wide
        cropped = _crop_card(_rsvg(["-i", element, "-z", f"{zoom:.4f}", str(svg_path(design))],
                                   f"{element} of {design.name}"))
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
