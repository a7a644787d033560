"""Held-out evaluation: write synthetic scenes with labels, run the full detector, report accuracy and confusion."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from ggpgfx.cards.detector import CardDetector, ZoneSpec
from ggpgfx.cards.infer import UNKNOWN, CardClassifier
from ggpgfx.cards.synth import HELD_OUT_BACKGROUNDS, TRAIN_BACKGROUNDS, make_scene, random_cards, style_names
from ggpgfx.errors import ConfigError
from ggpgfx.poker.cards import FULL_DECK, RANKS, SUITS

LABELS_FILE = "labels.json"


def write_eval_set(folder: str | Path, count: int = 300, held_out: bool = True, seed: int = 1234,
                   width: int = 480, height: int = 360, card_px: tuple[int, int] = (44, 110)) -> Path:
    """Render `count` labelled scenes (1-6 cards, some face down) as PNG files plus labels.json."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    styles = style_names(held_out)
    backgrounds = HELD_OUT_BACKGROUNDS if held_out else TRAIN_BACKGROUNDS
    images = []
    for index in range(count):
        scene = make_scene(rng, random_cards(rng, int(rng.integers(1, 7)), back_rate=0.05), styles, backgrounds,
                           width, height, card_px=card_px, occlusion=0.15)
        name = f"scene-{index:04d}.png"
        Image.fromarray(scene.image).save(out / name)
        images.append({"file": name, "cards": [{"card": c, "corners": k.round(1).tolist()}
                                               for c, k in zip(scene.cards, scene.corners, strict=True)]})
    (out / LABELS_FILE).write_text(json.dumps({"held_out": held_out, "styles": styles, "card_px": list(card_px),
                                               "backgrounds": list(backgrounds), "images": images}, indent=0))
    return out


@dataclass
class EvalReport:
    """Counts and confusion of one evaluation run."""

    images: int = 0
    cards: int = 0
    correct: int = 0
    wrong: int = 0
    missed: int = 0
    false_cards: int = 0
    per_class: dict[str, Counter[str]] = field(default_factory=dict)  # truth -> predicted ("missed") counts

    @property
    def accuracy(self) -> float:
        """Share of cards found and named right."""
        return self.correct / self.cards if self.cards else 0.0

    @property
    def false_rate(self) -> float:
        """False cards per real card."""
        return self.false_cards / self.cards if self.cards else 0.0

    def confusions(self, top: int = 10) -> list[tuple[str, str, int]]:
        """The most frequent (truth, predicted, count) mistakes."""
        pairs = [(t, p, n) for t, c in self.per_class.items() for p, n in c.items() if p != t]
        return sorted(pairs, key=lambda x: -x[2])[:top]

    def rank_suit_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """13x13 rank and 4x4 suit confusion matrices (rows truth, columns prediction; misses left out)."""
        ranks = np.zeros((13, 13), np.int64)
        suits = np.zeros((4, 4), np.int64)
        for truth, counter in self.per_class.items():
            for predicted, n in counter.items():
                if predicted in FULL_DECK:
                    ranks[RANKS.index(truth[0]), RANKS.index(predicted[0])] += n
                    suits[SUITS.index(truth[1]), SUITS.index(predicted[1])] += n
        return ranks, suits

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary including the per-class table."""
        ranks, suits = self.rank_suit_matrices()
        return {"images": self.images, "cards": self.cards, "correct": self.correct, "wrong": self.wrong,
                "missed": self.missed, "false_cards": self.false_cards, "accuracy": self.accuracy,
                "false_rate": self.false_rate, "confusions": self.confusions(20),
                "per_class": {c: dict(self.per_class.get(c, Counter())) for c in FULL_DECK},
                "rank_confusion": ranks.tolist(), "suit_confusion": suits.tolist()}


def evaluate(folder: str | Path, classifier: CardClassifier, limit: int | None = None) -> EvalReport:
    """Run localisation + classification over a labelled folder (from `write_eval_set`)."""
    root = Path(folder)
    labels_path = root / LABELS_FILE
    if not labels_path.is_file():
        raise ConfigError(f"{root} has no {LABELS_FILE}; create a set with `ggp cards synth {root}`")
    labels = json.loads(labels_path.read_text())
    detector = CardDetector(classifier, min_area=300, reuse_unchanged=False)
    report = EvalReport()
    for entry in labels["images"][:limit]:
        image = np.asarray(Image.open(root / entry["file"]).convert("L"))
        h, w = image.shape
        zone = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [w, 0], [w, h], [0, h]]})
        detections = [d for d in detector.detect(image, [zone]) if d.card != UNKNOWN]  # unknown: not a read
        report.images += 1
        owner: list[int | None] = []  # which labelled card each detection lies on
        for det in detections:
            centre = ((det.box[0] + det.box[2]) / 2, (det.box[1] + det.box[3]) / 2)
            owner.append(next((k for k, truth in enumerate(entry["cards"]) if cv2.pointPolygonTest(
                np.asarray(truth["corners"], np.float32), centre, False) >= 0), None))
        for k, truth in enumerate(entry["cards"]):
            mine = sorted((d for d, o in zip(detections, owner, strict=True) if o == k), key=lambda d: -d.confidence)
            if truth["card"] == "back":
                report.false_cards += len(mine)  # a face-down card must never be reported
                continue
            report.cards += 1
            report.false_cards += max(0, len(mine) - 1)
            counter = report.per_class.setdefault(truth["card"], Counter())
            if not mine:
                report.missed += 1
                counter["missed"] += 1
                continue
            counter[mine[0].card] += 1
            if mine[0].card == truth["card"]:
                report.correct += 1
            else:
                report.wrong += 1
        report.false_cards += sum(1 for o in owner if o is None)
    return report


def format_report(report: EvalReport) -> str:
    """Human-readable report: totals, worst classes, top confusions."""
    lines = [f"images {report.images}, cards {report.cards}: accuracy {report.accuracy:.4%} "
             f"(correct {report.correct}, wrong {report.wrong}, missed {report.missed}), "
             f"false cards {report.false_cards} ({report.false_rate:.4%})"]
    worst = sorted(((c, cnt[c] / max(1, sum(cnt.values())), sum(cnt.values())) for c, cnt in report.per_class.items()),
                   key=lambda x: x[1])[:8]
    lines.append("lowest per-class accuracy: " + ", ".join(f"{c} {a:.1%} of {n}" for c, a, n in worst))
    confusions = report.confusions()
    lines.append("top confusions: " + (", ".join(f"{t}->{p} x{n}" for t, p, n in confusions) or "none"))
    return "\n".join(lines)


@dataclass
class Cell:
    """Results of one deck design under one capture condition."""

    cards: int = 0
    read: int = 0  # named right
    unknown: int = 0  # found, reported unknown (abstained)
    missed: int = 0  # not found at all
    wrong: int = 0  # named as another card: the error that must not happen
    false_cards: int = 0  # a card reported where there is none (or twice on one card)
    scored: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right) of every named card

    def add(self, other: Cell) -> None:
        """Accumulate another cell."""
        for name in ("cards", "read", "unknown", "missed", "wrong", "false_cards"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.scored.extend(other.scored)

    def rate(self, count: int) -> float:
        """`count` as a share of the cards."""
        return count / self.cards if self.cards else 0.0


def score_scene(cell: Cell, detections: list[Any], truths: list[tuple[str, np.ndarray]], threshold: float) -> None:
    """Score one scene's detections (from a detector run with unique off) at an extra abstain threshold.

    Applies the threshold (0: the detector's own abstaining only) and the duplicate rule the way
    `CardDetector` does; `cell.scored` keeps the (confidence, right) pairs of the named cards (raw ones when
    the detector ran with abstain 0, as calibration runs it).
    """
    from ggpgfx.cards.detector import Detection, unknown_duplicates

    owner: list[int | None] = []
    for det in detections:
        centre = ((det.box[0] + det.box[2]) / 2, (det.box[1] + det.box[3]) / 2)
        owner.append(next((k for k, (_, corners) in enumerate(truths) if cv2.pointPolygonTest(
            np.asarray(corners, np.float32), centre, False) >= 0), None))
    for det, who in zip(detections, owner, strict=True):
        if det.card != UNKNOWN and who is not None:
            cell.scored.append((det.confidence, det.card == truths[who][0]))
    final = unknown_duplicates([d if d.confidence >= threshold else Detection(d.zone, UNKNOWN, d.confidence, d.box)
                                for d in detections])
    for k, (card, _) in enumerate(truths):
        mine = sorted((d for d, o in zip(final, owner, strict=True) if o == k), key=lambda d: -d.confidence)
        if card == "back":
            cell.false_cards += sum(1 for d in mine if d.card != UNKNOWN)
            continue
        cell.cards += 1
        cell.false_cards += sum(1 for d in mine[1:] if d.card != UNKNOWN)
        if not mine:
            cell.missed += 1
        elif mine[0].card == UNKNOWN:
            cell.unknown += 1
        elif mine[0].card == card:
            cell.read += 1
        else:
            cell.wrong += 1
    cell.false_cards += sum(1 for d, o in zip(final, owner, strict=True) if o is None and d.card != UNKNOWN)


def run_design_eval(classifier: CardClassifier, styles: list[str], conditions: list[str], count: int = 40,
                    seed: int = 7, threshold: float | None = None) -> dict[tuple[str, str], Cell]:
    """Every (style, condition) cell: `count` scenes each, seeds fixed per cell, the full detector."""
    from ggpgfx.cards.conditions import get_condition, scenes

    # the detector abstains as shipped (each model's threshold, the fallback model) or at `threshold`;
    # score_scene applies the duplicate rule
    detector = CardDetector(classifier, min_area=300, reuse_unchanged=False, abstain=threshold, unique=False)
    results: dict[tuple[str, str], Cell] = {}
    for s_index, style in enumerate(styles):
        for c_index, name in enumerate(conditions):
            cell = Cell()
            for scene in scenes(style, get_condition(name), count, seed + 1000 * s_index + 100_000 * c_index):
                h, w = scene.image.shape
                zone = ZoneSpec.from_dict({"name": "all", "zone": "board",
                                           "polygon": [[0, 0], [w, 0], [w, h], [0, h]]})
                score_scene(cell, detector.detect(scene.image, [zone]), list(zip(scene.cards, scene.corners,
                                                                                    strict=True)), 0.0)
            results[(style, name)] = cell
    return results


def expected_calibration_error(scored: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE: the mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    if not scored:
        return 0.0
    conf = np.array([c for c, _ in scored], np.float64)
    right = np.array([r for _, r in scored], np.float64)
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = index == b
        if sel.any():
            total += sel.sum() / len(conf) * abs(right[sel].mean() - conf[sel].mean())
    return float(total)


def choose_threshold(scored: list[tuple[float, bool]], cards: int, max_wrong: float = 0.001) -> float:
    """The lowest confidence threshold at which named-but-wrong cards are at most `max_wrong` of all cards.

    Candidates are the confidences themselves; the threshold sits just above the last wrong card it must
    exclude, so on this data the wrong rate is <= max_wrong.
    """
    allowed = int(np.floor(max_wrong * cards))
    wrong = sorted((c for c, r in scored if not r), reverse=True)
    if len(wrong) <= allowed:
        return 0.0
    return float(np.nextafter(wrong[allowed], 1.0))


def format_design_table(results: dict[tuple[str, str], Cell], by: str = "design") -> str:
    """A text table: one row per design (by="design") or per (design, condition) (by="condition")."""
    rows: dict[str, Cell] = {}
    for (style, condition), cell in results.items():
        key = style if by == "design" else f"{style} / {condition}"
        rows.setdefault(key, Cell()).add(cell)
    total = Cell()
    for cell in rows.values():
        total.add(cell)
    rows["all"] = total
    width = max(len(k) for k in rows)
    lines = [f"{'design' if by == 'design' else 'design / condition':<{width}}  cards   read  unknown  missed  "
             f"wrong   false   ECE"]
    for key, cell in rows.items():
        lines.append(f"{key:<{width}}  {cell.cards:5d}  {cell.rate(cell.read):6.2%}  {cell.rate(cell.unknown):6.2%}  "
                     f"{cell.rate(cell.missed):6.2%}  {cell.wrong:5d}  {cell.false_cards:5d}  "
                     f"{expected_calibration_error(cell.scored):.3f}")
    return "\n".join(lines)
