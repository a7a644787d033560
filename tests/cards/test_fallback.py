"""A model's fallback: cards it is unsure of go to a second shipped model, named only above that one's threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from ggpgfx.cards.calibrate import write_metadata
from ggpgfx.cards.detector import CardDetector, ZoneSpec
from ggpgfx.cards.infer import DEFAULT_MODEL, UNKNOWN, CardClassifier, CutPatches
from ggpgfx.cards.locate import find_cards
from ggpgfx.cards.synth import make_scene
from ggpgfx.errors import ConfigError

ZONE = ZoneSpec.from_dict({"name": "all", "zone": "board", "polygon": [[0, 0], [320, 0], [320, 320], [0, 320]]})


def _model(tmp_path: Path, **meta: str) -> Path:
    path = tmp_path / "m.onnx"
    path.write_bytes(DEFAULT_MODEL.read_bytes())
    write_metadata(path, meta)
    return path


def _scenes() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(41)
    out = []
    for card in ("Ah", "7c", "Qd", "Ts", "3h", "Kc"):
        scene = make_scene(rng, [card], ["deck:tigullio"], ("felt",), card_px=(110, 130), occlusion=0.0)
        out.append((card, cv2.GaussianBlur(scene.image, (0, 0), 0.8)))
    return out


def test_unsure_cards_go_to_the_fallback_and_are_named_only_above_its_threshold(tmp_path: Path) -> None:
    # the first model is never sure (threshold above 1): every card is the fallback's to name
    first = CardClassifier(_model(tmp_path, abstain_threshold="1.01", fallback="real-decks"))
    assert first.fallback is not None and first.fallback.fallback is None
    alone = CardClassifier("real-decks")
    limit = alone.abstain_threshold
    named = unknown = 0
    for _card, image in _scenes():
        quads = find_cards(image, 300)
        views = [image] * len(quads)
        mine = first.read_quads(views, quads)
        theirs = alone.classify_quads(views, quads, sure=max(0.85, limit))
        for (card, confidence), (other, other_confidence) in zip(mine, theirs, strict=True):
            if other is not None and other_confidence >= limit:  # the fallback's reading where it is sure
                assert (card, confidence) == (other, other_confidence)
                named += 1
            else:  # else unknown, or no card where the first model saw none
                assert card in (UNKNOWN, None)
                unknown += card == UNKNOWN
    assert named >= 1
    # one threshold given to the detector holds for both models: above every confidence, all are unknown
    own = make_scene(np.random.default_rng(5), ["Ks", "7d"], ["classic"], ("felt",), card_px=(70, 80), occlusion=0.0)
    assert sorted(d.card for d in CardDetector(first, reuse_unchanged=False, abstain=0.0).detect(own.image, [ZONE])) \
        == ["7d", "Ks"]
    found = CardDetector(first, reuse_unchanged=False, abstain=1.0).detect(own.image, [ZONE])
    assert [d.card for d in found] == [UNKNOWN, UNKNOWN]


def test_a_sure_first_model_never_asks_the_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = CardClassifier(_model(tmp_path, abstain_threshold="0.0", fallback="real-decks"))
    assert first.fallback is not None
    monkeypatch.setattr(first.fallback, "classify_quads", lambda *a, **k: pytest.fail("fallback asked"))
    for _, image in _scenes()[:2]:
        CardDetector(first, reuse_unchanged=False).detect(image, [ZONE])


def test_the_fallback_is_a_shipped_model_by_name_only(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown fallback model"):
        CardClassifier(_model(tmp_path, fallback="../../etc/model.onnx"))


def test_cards_under_the_threshold_were_read_at_the_calibrated_sure_level(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # calibration chose its threshold on readings where a first patch under `sure` had its second index read:
    # the detector reads the same way (an explicit abstain: the higher of 0.85 and it)
    classifier = CardClassifier(_model(tmp_path, abstain_threshold="0.9", sure="0.93"))
    assert classifier.sure == 0.93
    levels: list[float] = []
    real = classifier.classify_quads
    monkeypatch.setattr(classifier, "classify_quads",
                        lambda views, quads, sure=0.85, **kw: levels.append(sure) or real(views, quads, sure, **kw))
    _, image = _scenes()[0]
    for abstain in (None, 0.95, 0.0):
        CardDetector(classifier, reuse_unchanged=False, abstain=abstain).detect(image, [ZONE])
    assert levels == [0.93, 0.95, 0.85]


def test_the_fallback_reads_a_frame_in_one_onnx_call_with_the_same_results(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # the first model is never sure, so it refits every card and cuts both indices: the fallback reuses those
    # patches and reads top-left and second looks in one call, where cutting its own took two
    first = CardClassifier(_model(tmp_path, abstain_threshold="1.01", sure="1.01", fallback="real-decks"))
    fallback = first.fallback
    assert fallback is not None
    calls: list[int] = []
    run = fallback.session.run
    monkeypatch.setattr(fallback.session, "run", lambda *a, **k: calls.append(len(a[1][fallback.input_name]))
                        or run(*a, **k))
    readings, own_calls = [], []
    for _, image in _scenes():
        quads = find_cards(image, 300)
        assert quads
        calls.clear()
        readings.append(first.read_quads([image] * len(quads), quads))
        assert len(calls) == 1 and calls[0] == 3 * len(quads)  # top-left + both refit indices of every card
    # the same frames with the fallback cutting its own patches (two calls where a first patch is unsure)
    monkeypatch.setattr(CutPatches, "subset", lambda self, cards: CutPatches())
    for (_, image), mine in zip(_scenes(), readings, strict=True):
        quads = find_cards(image, 300)
        calls.clear()
        assert first.read_quads([image] * len(quads), quads) == mine
        own_calls.append(len(calls))
    assert max(own_calls) == 2


def test_a_sure_level_one_step_above_a_first_patch_counts_that_card_unsure(tmp_path: Path) -> None:
    # calibration's threshold sits one float64 step above its worst wrong card, and that threshold becomes the
    # "sure" level: the card that set it must be refit and read from both indices, not named from its first patch
    # (a float32 confidence compared with a Python float is compared in float32, where the step vanishes)
    from ggpgfx.cards.locate import cut_patches

    classifier = CardClassifier(_model(tmp_path, second_look="off"), fallback=False)
    _, image = _scenes()[0]
    quads = find_cards(image, 300)[:1]
    assert quads
    top = float(classifier.probabilities(cut_patches([image], quads, (0,))).max())
    classifier.classify_quads([image], quads, sure=top)
    assert classifier.refined == 0  # at its own confidence the first patch is sure
    classifier.classify_quads([image], quads, sure=float(np.nextafter(top, 1.0)))
    assert classifier.refined == 1


def test_calibration_writes_its_levels_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ggpgfx.cards.evaluate as evaluate
    from ggpgfx.cards.calibrate import calibrate

    level = float(np.nextafter(0.9872512, 1.0))  # "0.987251" to 6 digits: under the card it was set above
    monkeypatch.setattr(evaluate, "choose_threshold", lambda *a, **k: level)
    path = _model(tmp_path)
    calibrate(path, styles=["classic"], count=1, fit=False)
    classifier = CardClassifier(path, fallback=False)
    assert classifier.abstain_threshold == level and classifier.sure == level


def test_a_chain_of_fallbacks_reads_in_order_only_what_is_still_unsure(tmp_path: Path,
                                                                     given_reads: Any) -> None:
    """`fallback: a,b`: the second fallback reads only the cards the model and the first fallback are unsure of,
    and names them only above its own threshold."""
    first = CardClassifier(_model(tmp_path, abstain_threshold="1.01", fallback="real-decks,own-styles"))
    assert [f.abstain_threshold for f in first.fallbacks] == [CardClassifier("real-decks").abstain_threshold,
                                                              CardClassifier("own-styles").abstain_threshold]
    assert first.fallback is first.fallbacks[0] and all(not f.fallbacks for f in first.fallbacks)
    views, quads = [np.zeros((8, 8), np.uint8)] * 2, [object(), object()]
    unsure, sure_ten, sure_nine = given_reads("Kc", 0.5), given_reads("Th", 0.95), given_reads("9h", 0.99)
    unsure.fallbacks = [given_reads("Qs", 0.6), sure_ten, sure_nine]  # stubs: threshold 0.9 each
    assert unsure.read_quads(views, quads) == [("Th", 0.95)] * 2  # the first sure one names it; later ones not asked
    unsure.fallbacks = [given_reads("Qs", 0.6), given_reads("Qs", 0.7)]
    assert unsure.read_quads(views, quads) == [(UNKNOWN, 0.5)] * 2  # nobody sure: unknown, never another card
    with pytest.raises(ConfigError, match="unknown fallback model 'nope'"):
        CardClassifier(_model(tmp_path, fallback="real-decks,nope"))
