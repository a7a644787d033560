"""Why cards are missed or unknown: the detector's path card by card on validation (or train) designs.

For every true card of every scene (`conditions.scenes`, the shipped default path: localiser, classifier with
its fallback and abstain threshold) the outcome is read / unknown / missed / wrong as `ggp cards evaluate` counts
it, and a missed card gets a cause:

* no-quad      the localiser gave no quad that overlaps the card (30 % of its area or more)
* bad-quad     a quad overlaps it but none matches it (IoU < 0.7: merged with a neighbour, cut, corners off)
* classifier   a matching quad (IoU >= 0.7), but the classifier said "not a card" or was under `min_confidence`
* dropped      a matching quad read as a card, yet not counted for this card (its box centre lies off the card)

An unknown card is read again on its TRUE corners (no refit, the same models and thresholds): how many become
sure says how much of "unknown" is the outline and how much the classifier. Never run it on `test` designs.

Run: .venv/bin/python benchmarks/diag_card_misses.py [--designs tigullio,gm-paris,konqi-modern] [--count 12]
     [--lower 0.5 --close 5]   (the localiser with round 6's candidate levels, off by default; docs/cards.md)
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import cv2
import numpy as np

CAUSES = ("no-quad", "bad-quad", "classifier", "dropped")
SIZES = ((0, 50), (50, 80), (80, 120), (120, 10_000))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two convex quads."""
    pa, pb = a.astype(np.float32).reshape(-1, 1, 2), b.astype(np.float32).reshape(-1, 1, 2)
    inter, _ = cv2.intersectConvexConvex(pa, pb)
    union = cv2.contourArea(pa) + cv2.contourArea(pb) - inter
    return float(inter / union) if union > 0 else 0.0


def covered(truth: np.ndarray, quad: np.ndarray) -> float:
    """The share of the true card's area that a quad covers."""
    pt, pq = truth.astype(np.float32).reshape(-1, 1, 2), quad.astype(np.float32).reshape(-1, 1, 2)
    inter, _ = cv2.intersectConvexConvex(pt, pq)
    area = cv2.contourArea(pt)
    return float(inter / area) if area > 0 else 0.0


def size_bin(width: float) -> str:
    """The card-width bin of a width in pixels."""
    for lo, hi in SIZES:
        if lo <= width < hi:
            return f"{lo}-{hi if hi < 10_000 else ''}"
    return "?"


def diagnose_scene(classifier: Any, scene: Any, min_area: float = 300.0,
                   min_confidence: float = 0.35) -> list[dict[str, Any]]:
    """One record per true face-up card: outcome, cause of a miss, the best quad's IoU, and the true-corner read."""
    from ggpgfx.cards.infer import UNKNOWN
    from ggpgfx.cards.locate import Quad, find_cards

    image = scene.image
    # the detector's path on one zone covering the frame (`CardDetector.detect`, no duplicate rule, as
    # `score_scene` counts): every quad read, a detection where the reading is a card at min_confidence
    quads = find_cards(image, min_area)
    labels = classifier.read_quads([image] * len(quads), quads) if quads else []
    detections = [(card, confidence, q.box()) for q, (card, confidence) in zip(quads, labels, strict=True)
                  if card is not None and confidence >= min_confidence]
    truths = list(zip(scene.cards, scene.corners, strict=True))
    owner = []
    for _, _, box in detections:
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        owner.append(next((k for k, (_, c) in enumerate(truths)
                           if cv2.pointPolygonTest(np.asarray(c, np.float32), centre, False) >= 0), None))
    records = []
    for k, (card, corners) in enumerate(truths):
        if card == "back":
            continue
        mine = sorted((d for d, o in zip(detections, owner, strict=True) if o == k), key=lambda d: -d[1])
        if not mine:
            outcome = "missed"
        elif mine[0][0] == UNKNOWN:
            outcome = "unknown"
        else:
            outcome = "read" if mine[0][0] == card else "wrong"
        ious = [iou(corners, q.corners) for q in quads]
        best = int(np.argmax(ious)) if ious else -1
        record: dict[str, Any] = {"card": card, "outcome": outcome, "width": float(np.linalg.norm(corners[1] - corners[0])),
                                  "iou": ious[best] if ious else 0.0}
        if outcome == "missed":
            if not quads or max(covered(corners, q.corners) for q in quads) < 0.3:
                record["cause"] = "no-quad"
            elif ious[best] < 0.7:
                record["cause"] = "bad-quad"
                record["quad_cover"] = covered(corners, quads[best].corners)
            else:
                label, confidence = labels[best]
                record["cause"] = "classifier" if label is None or confidence < min_confidence else "dropped"
                record["label"], record["confidence"] = label, confidence
        if outcome in ("unknown", "missed"):
            true_quad = Quad(np.asarray(corners, np.float32), float(cv2.contourArea(corners.astype(np.float32))))
            label, confidence = classifier.read_quads([image], [true_quad])[0]
            record["true_read"] = ("read" if label == card else "unknown" if label == UNKNOWN
                                   else "none" if label is None else "wrong")
        records.append(record)
    for (card, _, box), who in zip(detections, owner, strict=True):
        if who is None and card != UNKNOWN:  # a card named where there is none
            records.append({"card": card, "outcome": "false", "width": box[2] - box[0], "iou": 0.0})
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", default="tigullio,gm-paris,konqi-modern")
    parser.add_argument("--conditions", default="")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--json", default="", help="write every record to this file")
    parser.add_argument("--lower", default="", help="locate.LOWER, e.g. 0.5 (round 6's candidate; default off)")
    parser.add_argument("--close", type=int, default=0, help="locate.CLOSE, e.g. 5 (round 6's candidate; 0 off)")
    args = parser.parse_args()

    from ggpgfx.cards import locate

    locate.LOWER = tuple(float(x) for x in args.lower.split(",") if x.strip())
    locate.CLOSE = args.close

    from ggpgfx.cards.conditions import CONDITIONS, get_condition, scenes
    from ggpgfx.cards.designs import get_design
    from ggpgfx.cards.infer import CardClassifier
    from ggpgfx.cards.synth import DESIGN_PREFIX

    designs = [get_design(n.strip()).name for n in args.designs.split(",") if n.strip()]
    if any(get_design(d).role == "test" for d in designs):
        raise SystemExit("never diagnose on test designs")
    conditions = [get_condition(c.strip()).name for c in args.conditions.split(",") if c.strip()] or list(CONDITIONS)
    classifier = CardClassifier()
    records: list[dict[str, Any]] = []
    for d_index, design in enumerate(designs):
        for c_index, name in enumerate(conditions):
            seed = args.seed + 1000 * d_index + 100_000 * c_index
            for scene in scenes(DESIGN_PREFIX + design, get_condition(name), args.count, seed):
                for record in diagnose_scene(classifier, scene):
                    records.append({"design": design, "condition": name, **record})
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(records, f)
    _print_tables(records)


def _print_tables(records: list[dict[str, Any]]) -> None:
    outcomes = ("read", "unknown", "missed", "wrong", "false")
    for key in ("design", "condition", "size"):
        rows: dict[str, Counter[str]] = {}
        for r in records:
            row = size_bin(r["width"]) if key == "size" else r[key]
            counter = rows.setdefault(row, Counter())
            counter["cards"] += r["outcome"] != "false"
            counter[r["outcome"]] += 1
            if "cause" in r:
                counter[r["cause"]] += 1
            if r["outcome"] == "unknown":
                counter["u-true-" + r["true_read"]] += 1
        total: Counter[str] = Counter()
        for c in rows.values():
            total.update(c)
        rows["all"] = total
        print(f"\n{key:<14} cards " + " ".join(f"{o:>7}" for o in outcomes) + " | "
              + " ".join(f"{c:>10}" for c in CAUSES) + " | unknown on true corners: read / unknown / wrong / none")
        for row, c in sorted(rows.items(), key=lambda kv: (kv[0] == "all", kv[0])):
            print(f"{row:<14} {c['cards']:5d} " + " ".join(f"{c[o]:7d}" for o in outcomes) + " | "
                  + " ".join(f"{c[x]:10d}" for x in CAUSES) + " | "
                  + " / ".join(str(c["u-true-" + t]) for t in ("read", "unknown", "wrong", "none")))


if __name__ == "__main__":
    main()
