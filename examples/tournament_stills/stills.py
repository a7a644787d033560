"""Render each tournament element (both skins, 16:9 and 9:16) to PNGs cropped to what is drawn."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from ggpgfx.render.samples import sample_state
from ggpgfx.render.still import felt, render_image
from ggpgfx.tournament.samples import sample_tournament
from ggpgfx.tournament.state import GraphicsCues


def stand_in_photo(path: Path, shirt: str) -> str:
    """A head-and-shoulders silhouette (no real person's photo ships with ggpgfx)."""
    image = Image.new("RGB", (300, 400), "#6d8fb3")
    d = ImageDraw.Draw(image)
    d.ellipse((95, 60, 205, 190), fill="#e0b48f")
    d.rounded_rectangle((40, 200, 260, 420), radius=80, fill=shirt)
    image.save(path)
    return str(path)


#: file name -> (skin, size, cues, with the table's sample state under it)
STILLS: dict[str, tuple[str, tuple[int, int], dict[str, Any], bool]] = {
    "tournament-leaderboard": ("broadcast", (1920, 1080), {"leaderboard": True, "chip_strip": True}, False),
    "tournament-clock-field": ("broadcast", (1920, 1080), {"clock": True, "field": True}, False),
    "tournament-payouts": ("broadcast", (1920, 1080), {"payouts": True}, False),
    "tournament-elimination": ("broadcast", (1920, 1080), {"elimination": "p27"}, False),
    "tournament-profile": ("broadcast", (1920, 1080), {"profile": "p1"}, False),
    "tournament-stacks-in-bb": ("broadcast", (1920, 1080), {"stacks_in_bb": True, "clock": True}, True),
    "tournament-minimal": ("minimal", (1920, 1080), {"leaderboard": True, "clock": True, "field": True,
                                                    "payouts": True, "profile": "p1"}, False),
    "tournament-minimal-9x16": ("minimal", (1080, 1920), {"leaderboard": True, "clock": True, "field": True,
                                                          "payouts": True, "elimination": "p27",
                                                          "chip_strip": True}, False),
}


def render(name: str, folder: Path, photos: dict[str, str]) -> Path:
    """One still: the overlay on felt, cropped to the drawn elements (plus a margin) and at most 1280 wide."""
    skin, size, cues, with_table = STILLS[name]
    state = sample_tournament(27, 8, photos=photos, graphics=GraphicsCues(**cues))
    table = sample_state("preflop") if with_table else None
    overlay = render_image(table, skin=skin, size=size, background="transparent", tournament=state, sponsors=[])
    box = overlay.getchannel("A").getbbox() or (0, 0, *size)
    margin = 24
    box = (max(0, box[0] - margin), max(0, box[1] - margin), min(size[0], box[2] + margin),
           min(size[1], box[3] + margin))
    still = felt(*size).copy()
    still.alpha_composite(overlay)
    still = still.crop(box).convert("RGB")
    if still.width > 1280:
        still = still.resize((1280, round(still.height * 1280 / still.width)), Image.Resampling.LANCZOS)
    path = folder / f"{name}.png"
    still.save(path, optimize=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out/tournament-stills"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        photos = {"p1": stand_in_photo(Path(tmp) / "p1.png", "#2b3a55"),
                  "p27": stand_in_photo(Path(tmp) / "p27.png", "#6b2b2b")}
        for name in STILLS:
            print(render(name, args.out, photos))


if __name__ == "__main__":
    main()
