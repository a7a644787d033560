"""benchmarks/diag_card_misses.py: each true card gets the outcome the evaluation counts and a miss gets its cause."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np

from ggpgfx.cards.infer import UNKNOWN
from ggpgfx.cards.synth import Scene

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "diag_card_misses.py"


def _diag() -> ModuleType:
    spec = importlib.util.spec_from_file_location("diag_card_misses", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Reader:
    """A stand-in classifier: every quad read as one fixed answer."""

    def __init__(self, card: str | None, confidence: float) -> None:
        self.answer = (card, confidence)

    def read_quads(self, views: list[np.ndarray], quads: list[Any]) -> list[tuple[str | None, float]]:
        return [self.answer] * len(quads)


def _scene() -> Scene:
    """One bright card on felt, and a second true card that was never drawn (the localiser cannot find it)."""
    img = np.full((240, 320), 60, np.uint8)
    cv2.rectangle(img, (40, 50), (119, 161), 230, -1)
    drawn = np.array([[40, 50], [119, 50], [119, 161], [40, 161]], np.float32)
    ghost = np.array([[200, 50], [279, 50], [279, 161], [200, 161]], np.float32)
    return Scene(image=img, cards=["Ah", "Kd"], corners=[drawn, ghost])


def test_outcomes_and_causes() -> None:
    diag = _diag()
    read, ghost = diag.diagnose_scene(_Reader("Ah", 0.99), _scene())
    assert read["outcome"] == "read" and read["iou"] > 0.9 and "cause" not in read
    assert ghost["outcome"] == "missed" and ghost["cause"] == "no-quad"
    none = diag.diagnose_scene(_Reader(None, 0.0), _scene())[0]
    assert none["outcome"] == "missed" and none["cause"] == "classifier" and none["true_read"] == "none"
    unsure = diag.diagnose_scene(_Reader(UNKNOWN, 0.2), _scene())[0]  # under min_confidence: no detection
    assert unsure["outcome"] == "missed" and unsure["cause"] == "classifier" and unsure["true_read"] == "unknown"
    unknown = diag.diagnose_scene(_Reader(UNKNOWN, 0.6), _scene())[0]
    assert unknown["outcome"] == "unknown" and unknown["true_read"] == "unknown"
    wrong = diag.diagnose_scene(_Reader("Kd", 0.99), _scene())
    assert wrong[0]["outcome"] == "wrong" and wrong[1]["outcome"] == "missed"


def test_false_card_where_there_is_none() -> None:
    diag = _diag()
    scene = _scene()
    scene.cards, scene.corners = scene.cards[1:], scene.corners[1:]  # the drawn card is not a true card
    records = diag.diagnose_scene(_Reader("Ah", 0.99), scene)
    assert [r["outcome"] for r in records] == ["missed", "false"]


def test_iou_and_cover() -> None:
    diag = _diag()
    a = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.float32)
    b = a + np.array([5, 0], np.float32)
    assert abs(diag.iou(a, b) - 50 / 150) < 1e-6 and abs(diag.covered(a, b) - 0.5) < 1e-6
    assert diag.size_bin(30) == "0-50" and diag.size_bin(200) == "120-"
