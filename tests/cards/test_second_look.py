"""The second look: a card still unsure after both indices is read again through small warps, pooled."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ggpgfx.cards.calibrate import write_metadata
from ggpgfx.cards.detector import CardDetector, ZoneSpec
from ggpgfx.cards.infer import DEFAULT_MODEL, CardClassifier, pool
from ggpgfx.cards.locate import LOOK_SCALE, LOOK_SHIFT, Quad, find_cards, look_quads
from ggpgfx.cards.synth import make_scene
from ggpgfx.errors import ConfigError

ZONE = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [320, 0], [320, 320], [0, 320]]})


def _model(tmp_path: Path, **meta: str) -> Path:
    path = tmp_path / "m.onnx"
    path.write_bytes(DEFAULT_MODEL.read_bytes())
    write_metadata(path, meta)
    return path


def _image(seed: int = 41) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scene = make_scene(rng, ["Ah", "7c"], ["deck:tigullio"], ("felt",), card_px=(100, 120), occlusion=0.0)
    return cv2.GaussianBlur(scene.image, (0, 0), 0.8)


def test_look_quads_shift_and_scale_the_outline_by_a_share_of_the_card_width() -> None:
    # a 60 x 90 card turned 90 degrees: its width axis runs down the image
    corners = np.array([[100, 10], [100, 70], [10, 70], [10, 10]], np.float32)
    quads = look_quads(Quad(corners, 5400.0))
    assert len(quads) == 6
    shifts = [q.corners - corners for q in quads[:4]]
    for shift in shifts:  # every corner moved alike, by 1.5 % of the width (0.9 px), along one card axis
        assert np.allclose(shift, shift[0], atol=1e-4)
        assert np.isclose(np.linalg.norm(shift[0]), LOOK_SHIFT * 60, atol=1e-4)
    assert np.allclose(shifts[0][0], [0, LOOK_SHIFT * 60])  # along the top edge (the width axis)
    assert np.allclose(shifts[2][0], [-LOOK_SHIFT * 60, 0])  # along the left edge
    centre = corners.mean(axis=0)
    for q, factor in zip(quads[4:], (1 - LOOK_SCALE, 1 + LOOK_SCALE), strict=True):
        assert np.allclose(q.corners - centre, (corners - centre) * factor, atol=1e-4)


def test_pool_mean_and_geometric_mean() -> None:
    rows = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0]])
    assert np.allclose(pool(rows, "mean"), [0.5, 0.5, 0.0])
    geo = pool(np.array([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]]), "geo")
    assert np.isclose(geo.sum(), 1.0) and np.allclose(geo, [0.5, 0.5])
    # a look that all but rules a class out vetoes it under the geometric mean, not under the mean
    vetoed = np.array([[0.9, 0.1], [0.9, 0.1], [1e-6, 1 - 1e-6]])
    assert pool(vetoed, "mean")[0] > 0.6 and pool(vetoed, "geo")[0] < 0.05


def test_only_cards_still_unsure_after_both_indices_get_the_second_look(tmp_path: Path) -> None:
    image = _image()
    quads = find_cards(image, 300)
    assert quads
    views = [image] * len(quads)
    plain = CardClassifier(_model(tmp_path, second_look="off"), fallback=False)
    looking = CardClassifier(_model(tmp_path, second_look="mean"), fallback=False)
    assert (plain.second_look, looking.second_look) == ("off", "mean")
    # sure at 0: nobody is unsure, nobody pays, the same readings
    assert looking.classify_quads(views, quads, sure=0.0) == plain.classify_quads(views, quads, sure=0.0)
    assert looking.looked_again == 0
    # sure above 1: every card is unsure after both indices, so each is looked at again, and its reading is
    # the combination of its two indices, each pooled over the refit look and the six warps
    before = plain.classify_quads(views, quads, sure=1.01)
    refits: dict[int, Quad] = {}
    after = looking.classify_quads(views, quads, sure=1.01, refits=refits)
    assert looking.looked_again == len(quads) and plain.looked_again == 0
    assert after != before
    from ggpgfx.cards.locate import corner_patches

    for i in range(len(quads)):
        looks = [refits[i], *look_quads(refits[i])]
        probs = looking.probabilities(corner_patches(image, looks))
        assert after[i] == looking.combine(pool(probs[0::2], "mean"), pool(probs[1::2], "mean"))
    # the caller's choice wins over the model's
    assert looking.classify_quads(views, quads, sure=1.01, second_look="off") == before
    with pytest.raises(ConfigError, match="unknown second_look"):
        looking.classify_quads(views, quads, sure=1.01, second_look="median")


def test_the_model_records_its_second_look_and_the_detector_can_override_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown second_look"):
        CardClassifier(_model(tmp_path, second_look="twice"))
    assert CardClassifier(_model(tmp_path, second_look="off")).second_look == "off"
    classifier = CardClassifier(_model(tmp_path, abstain_threshold="1.01", sure="1.01", second_look="geo"),
                                fallback=False)
    image = _image(7)
    counts = []
    for choice in (None, False, True):
        classifier.looked_again = 0
        CardDetector(classifier, reuse_unchanged=False, second_look=choice).detect(image, [ZONE])
        counts.append(classifier.looked_again)
    assert counts[0] > 0 and counts[1] == 0 and counts[2] == counts[0]
    assert CardDetector(classifier, second_look=True).second_look == "geo"
    classifier.second_look = "off"
    assert CardDetector(classifier, second_look=True).second_look == "mean"  # forced on a model without one


def test_calibrate_writes_the_second_look_it_chose_the_threshold_under(tmp_path: Path) -> None:
    from ggpgfx.cards.calibrate import calibrate

    path = _model(tmp_path)
    calibrate(path, styles=["classic"], count=1, fit=False, second_look="geo")
    assert CardClassifier(path, fallback=False).second_look == "geo"
    calibrate(path, styles=["classic"], count=1, fit=False)
    assert CardClassifier(path, fallback=False).second_look == "off"
    with pytest.raises(ConfigError, match="unknown second_look"):
        calibrate(path, styles=["classic"], count=1, fit=False, second_look="max")
