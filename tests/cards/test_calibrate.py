"""Calibration maths: temperature fit, ECE, the threshold that keeps wrong cards under the budget."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.cards.calibrate import fit_temperature, write_metadata
from ggpgfx.cards.evaluate import choose_threshold, expected_calibration_error
from ggpgfx.cards.infer import DEFAULT_MODEL, CardClassifier
from ggpgfx.errors import ConfigError


def test_fit_temperature_recovers_an_overconfident_model() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 1.5, (4000, 10))
    p = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(10, p=row) for row in p])
    # a model whose logits are 3x too sharp: the fitted temperature undoes it
    assert abs(fit_temperature(true_logits * 3, labels) - 3) < 0.3
    assert abs(fit_temperature(true_logits, labels) - 1) < 0.15


def test_ece_and_threshold() -> None:
    perfect = [(0.9, True)] * 9 + [(0.9, False)]
    assert expected_calibration_error(perfect) < 1e-9
    assert abs(expected_calibration_error([(0.9, True), (0.9, False)]) - 0.4) < 1e-9
    scored = [(0.99, True)] * 900 + [(0.6, False), (0.7, False), (0.95, True), (0.5, True)]
    t = choose_threshold(scored, 1000, 0.0)
    assert 0.7 < t <= 0.7 + 1e-6  # just above the most confident wrong card
    assert sum(1 for c, r in scored if c >= t and not r) == 0
    assert choose_threshold(scored, 1000, 0.001) == np.nextafter(0.6, 1)  # one wrong card of 1000 allowed
    assert choose_threshold([(0.9, True)], 10) == 0.0


def test_metadata_is_written_and_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.onnx"
    path.write_bytes(DEFAULT_MODEL.read_bytes())
    write_metadata(path, {"temperature": "1.5", "abstain_threshold": "0.8"})
    write_metadata(path, {"abstain_threshold": "0.9"})  # replaced, not duplicated
    classifier = CardClassifier(path)
    assert classifier.temperature == 1.5 and classifier.abstain_threshold == 0.9
    assert classifier.classes[-1] == "none"


def test_a_given_temperature_is_kept_and_no_patch_fit_runs(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # the shipped real-decks temperature was chosen on the detector's card-level confidences, not fitted on
    # patches: calibrate keeps a given one and chooses the threshold under it
    import ggpgfx.cards.dataset as dataset
    from ggpgfx.cards.calibrate import calibrate

    monkeypatch.setattr(dataset, "build_patches", lambda *a, **k: pytest.fail("patch fit ran"))
    path = tmp_path / "m.onnx"
    path.write_bytes(DEFAULT_MODEL.read_bytes())
    result = calibrate(path, styles=["classic"], count=1, temperature=0.85)
    assert result.temperature == 0.85 and CardClassifier(path, fallback=False).temperature == 0.85
    with pytest.raises(ConfigError, match="out of range"):
        calibrate(path, styles=["classic"], count=1, temperature=0.0)


def test_a_chain_of_fallbacks_is_written_and_an_unknown_name_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ggpgfx.cards.calibrate import calibrate

    path = tmp_path / "m.onnx"
    path.write_bytes(DEFAULT_MODEL.read_bytes())
    with pytest.raises(ConfigError, match="unknown fallback model 'nope'"):
        calibrate(path, styles=["classic"], count=1, fallback="real-decks,nope")
    calibrate(path, styles=["classic"], count=1, temperature=1.0, fallback="real-decks,own-styles")
    chain = CardClassifier(path).fallbacks
    assert [f.abstain_threshold for f in chain] == [CardClassifier(n).abstain_threshold
                                                   for n in ("real-decks", "own-styles")]
