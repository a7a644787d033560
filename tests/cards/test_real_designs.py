"""The shipped models (the default path, which hands unsure cards to real-decks, and real-decks alone) on real deck
designs they never saw: per-design floors, and unsure means unknown, never wrong."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ggpgfx.cards.detector import CardDetector, ZoneSpec
from ggpgfx.cards.evaluate import Cell, run_design_eval
from ggpgfx.cards.infer import UNKNOWN, CardClassifier
from ggpgfx.cards.synth import make_scene

HELD_OUT = ["deck:standard", "deck:jolly-royal", "deck:penguins"]


@pytest.fixture(scope="module", params=["default", "real-decks"])
def classifier(request: pytest.FixtureRequest) -> CardClassifier:
    return CardClassifier(request.param)


def test_the_shipped_models_are_calibrated(classifier: CardClassifier) -> None:
    assert 0.5 < classifier.abstain_threshold < 1.0 and classifier.temperature > 0


def test_the_default_model_hands_unsure_cards_to_real_decks() -> None:
    fallback = CardClassifier("default").fallback
    assert fallback is not None and fallback.abstain_threshold == CardClassifier("real-decks").abstain_threshold


@pytest.mark.parametrize("design", HELD_OUT)
def test_an_unseen_design_rotated_25_degrees_under_blur_is_read_or_unknown(classifier: CardClassifier,
                                                                          design: str) -> None:
    rng = np.random.default_rng(25)
    detector = CardDetector(classifier, reuse_unchanged=False)
    zone = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [320, 0], [320, 320], [0, 320]]})
    for rank, suit in zip("23456789TJQKA", "cdhscdhscdhsc", strict=True):
        card = rank + suit
        scene = make_scene(rng, [card], [design], ("felt",), card_px=(90, 110), occlusion=0.0, perspective=0.02,
                           max_angle=0.0)
        turn = cv2.getRotationMatrix2D((160, 160), 25.0, 1.0)
        image = cv2.warpAffine(scene.image, turn, (320, 320), borderMode=cv2.BORDER_REPLICATE)
        image = cv2.GaussianBlur(image, (0, 0), 1.2)
        found = detector.detect(image, [zone])
        assert all(d.card in (card, UNKNOWN) for d in found), (card, [(d.card, d.confidence) for d in found])


FLOORS = {  # read share on a small fixed sample, per model (measured 0.53 / 0.62 / 0.56 / 0.74 for the default
    # path, the font-trained default of issue #16 round 2, and 0.43 / 0.53 / 0.47 / 0.48 for real-decks, less
    # about 0.07); wrong must be 0
    "default": {"deck:standard": 0.46, "deck:jolly-royal": 0.55, "deck:penguins": 0.49, "serif-side": 0.67},
    "real-decks": {"deck:standard": 0.36, "deck:jolly-royal": 0.45, "deck:penguins": 0.40, "serif-side": 0.40},
}


@pytest.mark.parametrize("model", list(FLOORS))
def test_per_design_floors_on_a_small_fixed_sample(model: str) -> None:
    floors = FLOORS[model]
    results = run_design_eval(CardClassifier(model), list(floors), ["upright", "rotated", "small", "h264"], 3, 11)
    for style, floor in floors.items():
        total = Cell()
        for (s, _), cell in results.items():
            if s == style:
                total.add(cell)
        assert total.cards >= 15
        assert total.wrong == 0 and total.false_cards == 0, style
        assert total.rate(total.read) >= floor, (style, total.rate(total.read))
