"""Fixtures of the card tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from ggpgfx.cards.infer import CardClassifier


class _GivenReads(CardClassifier):
    """A classifier whose reading is given (no model): what `read_quads` does after `classify_quads`."""

    def __init__(self, card: str, confidence: float, pip_check: bool, suit_check: bool) -> None:  # noqa: D107
        self.card, self.confidence = card, confidence
        self.abstain_threshold, self.sure, self.fallbacks = 0.9, 0.95, []
        self.pip_check, self.pip_level, self.pips_counted, self.vetoed = pip_check, 0.999, 0, 0
        self.suit_check, self.suits_checked, self.suit_vetoed = suit_check, 0, 0

    def classify_quads(self, views: list[np.ndarray], quads: list[Any], *args: Any,
                       **kwargs: Any) -> list[tuple[str | None, float]]:
        return [(self.card, self.confidence) for _ in quads]


@pytest.fixture
def given_reads() -> Callable[..., CardClassifier]:
    """`given_reads(card, confidence, pip_check=..., suit_check=...)`: a classifier that reads every quad as `card`
    (thresholds 0.9 / sure 0.95 / pip level 0.999), with the pip and suit checks as given."""
    def make(card: str, confidence: float, *, pip_check: bool = False, suit_check: bool = False) -> CardClassifier:
        return _GivenReads(card, confidence, pip_check, suit_check)
    return make
