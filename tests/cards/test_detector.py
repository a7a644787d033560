"""CardDetector: a card whose first index is unsure gets its outline refined and both indices read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import ggpgfx.cards.locate as locate
from ggpgfx.cards.detector import CardDetector, ZoneSpec
from ggpgfx.cards.infer import UNKNOWN, CardClassifier
from ggpgfx.cards.synth import make_scene, style_names


def test_unsure_cards_are_refined_and_read_from_both_indices(monkeypatch: pytest.MonkeyPatch) -> None:
    refined = []
    real = locate.refine_quad
    monkeypatch.setattr(locate, "refine_quad", lambda gray, quad: refined.append(quad) or real(gray, quad))
    classifier = CardClassifier()
    zone = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [240, 0], [240, 240], [0, 240]]})
    rng = np.random.default_rng(3)
    for card in ("Ks", "7d", "Th", "2c", "Qh", "9s"):
        scene = make_scene(rng, [card], style_names(True), ("cloth",), 240, 240, card_px=(70, 80), occlusion=0.0)
        c = scene.corners[0]
        # a thumb over the top-left index: only the bottom-right one can be read
        centre = c[0] + 0.2 * (c[1] - c[0]) + 0.25 * (c[3] - c[0])
        cv2.circle(scene.image, (int(centre[0]), int(centre[1])), int(0.2 * np.linalg.norm(c[1] - c[0])), 90, -1)
        # abstain 0: the reading itself (the shipped threshold may make an unsure one unknown, never wrong)
        found = CardDetector(classifier, reuse_unchanged=False, abstain=0.0).detect(scene.image, [zone])
        assert [d.card for d in found] == [card]
        assert [d.card for d in CardDetector(classifier, reuse_unchanged=False).detect(scene.image, [zone])] \
            in ([card], [UNKNOWN])
    assert refined  # some cards showed the covered index first: those took the refined, two-index path
    fallback = sum(f.refined for f in classifier.fallbacks)  # refits by the fallback models
    assert classifier.refined + fallback == len(refined)
    before = len(refined)
    scene = make_scene(rng, ["Ad"], style_names(True), ("cloth",), 240, 240, card_px=(70, 80), occlusion=0.0)
    CardDetector(classifier, reuse_unchanged=False, refine=False).detect(scene.image, [zone])
    assert len(refined) == before


def test_unsure_cards_are_unknown_and_never_announced() -> None:
    from ggpgfx.cards.detector import Smoother

    classifier = CardClassifier()
    zone = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [320, 0], [320, 320], [0, 320]]})
    scene = make_scene(np.random.default_rng(5), ["Ks", "7d"], style_names(False), ("felt",), card_px=(70, 80),
                       occlusion=0.0)
    sure = CardDetector(classifier, reuse_unchanged=False, abstain=0.0).detect(scene.image, [zone])
    assert sorted(d.card for d in sure) == ["7d", "Ks"]
    # an abstain threshold above every confidence: the same two cards are found, and both are unknown
    unsure = CardDetector(classifier, reuse_unchanged=False, abstain=1.0).detect(scene.image, [zone])
    assert [d.card for d in unsure] == [UNKNOWN, UNKNOWN] and [d.box for d in unsure] == [d.box for d in sure]
    smoother = Smoother(stable_frames=1, min_confidence=0.0)
    assert smoother.update(unsure) == [] and smoother.update(sure) != []


def test_a_card_seen_at_two_places_in_one_frame_is_unknown_at_both() -> None:
    from ggpgfx.cards.detector import Detection, unknown_duplicates

    zone = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [9, 0], [9, 9]]})
    a = Detection(zone, "Ah", 0.99, (0, 0, 50, 70))
    b = Detection(zone, "Ah", 0.97, (200, 0, 250, 70))  # elsewhere: one of the two is a misread
    c = Detection(zone, "Ah", 0.98, (5, 5, 55, 75))  # the same card seen through an overlapping zone
    d = Detection(zone, "9c", 0.95, (300, 0, 350, 70))
    assert [x.card for x in unknown_duplicates([a, b, d])] == ["??", "??", "9c"]
    assert [x.card for x in unknown_duplicates([a, c, d])] == ["Ah", "Ah", "9c"]
