"""Diagnostic (docs/cards.md, round 9): would a cross-check between the card chain's models catch wrong reads?

Every card the default model names (raw, no threshold) in scenes of the **validation** designs is read again by
the other shipped models (`real-decks`, `own-styles`). A card counts as vetoed by a model when that model is sure
(at its own calibrated threshold) of a *different* card. Prints, per band of the default model's confidence, the
right and wrong reads and how many of each a veto would have caught. Test designs are never used.

    .venv/bin/python benchmarks/diag_cross_check.py [--count 30] [--seed 31]
"""

from __future__ import annotations

import argparse
from collections import Counter

import cv2
import numpy as np

from ggpgfx.cards.conditions import CONDITIONS, get_condition, scenes
from ggpgfx.cards.infer import CardClassifier
from ggpgfx.cards.locate import find_cards

VALIDATION = ["tigullio", "gm-paris", "konqi-modern", "bonded"]
BANDS = [0.0, 0.8, 0.9, 0.9505, 0.97, 0.99, 0.995, 1.01]


def main() -> None:
    """Tally right/wrong reads and vetoes by confidence band; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="scenes per design and capture condition")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    first = CardClassifier(None, fallback=False)
    others = [CardClassifier(name, fallback=False) for name in ("real-decks", "own-styles")]
    print(f"default threshold {first.abstain_threshold:.4f}; others "
          + ", ".join(f"{o.abstain_threshold:.4f}" for o in others))
    tally: Counter[tuple[int, bool, bool, bool]] = Counter()
    for s_index, design in enumerate(VALIDATION):
        for c_index, name in enumerate(CONDITIONS):
            seed = args.seed + 1000 * s_index + 100_000 * c_index  # as `ggp cards evaluate` seeds its cells
            for scene in scenes("deck:" + design, get_condition(name), args.count, seed):
                quads = find_cards(scene.image, 300)
                views = [scene.image] * len(quads)
                reads = first.classify_quads(views, quads, sure=first.sure)
                again = [o.classify_quads(views, quads, sure=o.sure) for o in others]
                for k, quad in enumerate(quads):
                    card, confidence = reads[k]
                    owner = next((j for j, corners in enumerate(scene.corners) if cv2.pointPolygonTest(
                        np.asarray(corners, np.float32), quad.centre(), False) >= 0), None)
                    if card is None or owner is None or scene.cards[owner] == "back":
                        continue
                    band = next(b for b in range(len(BANDS) - 1) if BANDS[b] <= confidence < BANDS[b + 1])
                    vetoes = [other_card is not None and other_card != card and other_conf >= o.abstain_threshold
                              for (other_card, other_conf), o in ((a[k], o) for a, o in zip(again, others, strict=True))]
                    tally[(band, card == scene.cards[owner], vetoes[0], vetoes[1])] += 1
    print(f"{'confidence':>15} {'right':>6} {'vetoed':>9} {'wrong':>6} {'vetoed':>9}")
    for band in range(len(BANDS) - 1):
        rows = {key: n for key, n in tally.items() if key[0] == band}
        for right in (True, False):
            mine = {key: n for key, n in rows.items() if key[1] == right}
            total = sum(mine.values())
            vetoed = "/".join(str(sum(n for key, n in mine.items() if key[2 + m])) for m in range(2))
            cells = f"{total:6d} {vetoed:>9}"
            if right:
                line = f"{BANDS[band]:.4f}-{min(BANDS[band + 1], 1.0):.4f} {cells}"
            else:
                line += f" {cells}"
        print(line)


if __name__ == "__main__":
    main()
