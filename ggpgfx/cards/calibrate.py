"""Calibration and the abstain threshold, chosen on validation designs the model never trained on.

1. **Temperature** (one scalar dividing the logits) fitted by minimising the negative log-likelihood of
   index patches cut from validation-design scenes, so a confidence of 0.9 means about nine in ten right.
2. **Abstain threshold**: the full detector runs over validation scenes (validation designs, every capture
   condition) and the lowest card confidence at which wrong cards are at most 0.1 % of the cards of
   **each** validation design is kept (the highest of the per-design thresholds). Below it a card is
   reported as unknown ("??"), never as another card, unless a fallback model reads it surely.

Both are written into the ONNX model's metadata (`temperature`, `abstain_threshold`, and `fallback` when
given), which `CardClassifier` reads, so the shipped file carries its own calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ggpgfx.cards.infer import SECOND_LOOKS, SHIPPED_MODELS, SURE, CardClassifier, fallback_names
from ggpgfx.errors import ConfigError


@dataclass
class Calibration:
    """What calibration chose and what it saw."""

    temperature: float
    threshold: float
    cards: int
    per_design: dict[str, float]  # each validation design's own threshold
    wrong_at_threshold: int
    read_at_threshold: int
    ece_before: float
    ece_after: float


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the NLL of `labels` under softmax(logits / T) (golden-section on log T)."""
    if len(labels) == 0:
        return 1.0

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(labels)), labels].mean())

    lo, hi = np.log(0.25), np.log(8.0)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return float(np.exp((lo + hi) / 2))


def write_metadata(path: str | Path, values: dict[str, str]) -> None:
    """Set metadata entries of an ONNX file in place."""
    import onnx

    proto = onnx.load(str(path))
    keep = [p for p in proto.metadata_props if p.key not in values]
    del proto.metadata_props[:]
    for entry in keep:
        proto.metadata_props.add(key=entry.key, value=entry.value)
    for key, value in values.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(path))


def calibrate(model: str | Path, styles: list[str] | None = None, patch_scenes: int = 300, count: int = 30,
              seed: int = 99, max_wrong: float = 0.001, write: bool = True, fallback: str | None = None,
              fit: bool = True, temperature: float | None = None, second_look: str = "off",
              pip_check: bool = False, suit_check: bool = False) -> Calibration:
    """Fit the temperature and choose the abstain threshold on validation designs; write them into `model`.

    `fallback` (shipped model names, comma-separated in the order they read, or "" to remove them) is written
    too: the models that read the cards this one abstains on. The calibration itself is of this model alone.
    `fit=False` keeps the temperature
    at 1 (the patch-level fit can make the cards' calibration worse: compare the ECE it reports); a given
    `temperature` is kept as it is (one chosen on the detector's card-level confidences, see docs/cards.md).
    `second_look` ("off", "mean", "geo"; `CardClassifier.classify_quads`) is the reading the threshold is chosen
    under, and is written too (metadata `second_look`), so the detector reads as calibration measured.
    `pip_check` (`CardClassifier.read_quads`) likewise: a number card whose pips say another number is unknown
    while the threshold is chosen (cards under the "sure" level are checked), and the model records it (metadata
    `pip_check`, and `pip_level`: the sure level). `suit_check` likewise: a number card whose pips' shape clearly
    says another suit is unknown (`suits.py`; the same cards), metadata `suit_check`.
    """
    from ggpgfx.cards.conditions import CONDITIONS
    from ggpgfx.cards.dataset import build_patches
    from ggpgfx.cards.designs import available, installed_designs
    from ggpgfx.cards.evaluate import Cell, choose_threshold, expected_calibration_error, run_design_eval
    from ggpgfx.cards.locate import normalise
    from ggpgfx.cards.synth import DESIGN_PREFIX, HELD_OUT_BACKGROUNDS

    path = Path(model)
    if not path.is_file():
        raise ConfigError(f"card model file not found: {path}")
    if styles is None:
        if not available():
            raise ConfigError("calibration needs the validation deck designs: apt-get install "
                              "kdegames-card-data-kf5 librsvg2-bin")
        styles = [DESIGN_PREFIX + d for d in installed_designs("validation")]
    for name in fallback_names(fallback or ""):
        if name not in SHIPPED_MODELS:
            raise ConfigError(f"unknown fallback model {name!r}; shipped: {', '.join(SHIPPED_MODELS)}")
    if second_look not in SECOND_LOOKS:
        raise ConfigError(f"unknown second_look {second_look!r}; known: {', '.join(SECOND_LOOKS)}")
    classifier = CardClassifier(path, fallback=False)
    classifier.temperature, classifier.abstain_threshold, classifier.sure = 1.0, 0.0, SURE
    classifier.second_look = second_look
    classifier.pip_check, classifier.pip_level, classifier.suit_check = pip_check, SURE, suit_check

    def run() -> dict[str, Cell]:  # raw confidences (threshold 0) under the current temperature and sure level
        designs_cells: dict[str, Cell] = {}
        for (style, _), cell in run_design_eval(classifier, styles, list(CONDITIONS), count, seed, None).items():
            designs_cells.setdefault(style, Cell()).add(cell)
        return designs_cells

    def threshold_of(designs_cells: dict[str, Cell]) -> dict[str, float]:
        return {style: choose_threshold(cell.scored, cell.cards, max_wrong) for style, cell in designs_cells.items()}

    if temperature is not None and not 0.05 <= temperature <= 20.0:
        raise ConfigError(f"temperature {temperature} is out of range (0.05-20)")
    pinned = temperature
    temperature = 1.0 if pinned is None else float(pinned)
    if fit and pinned is None:
        x, y = build_patches(np.random.default_rng(seed), patch_scenes, styles, HELD_OUT_BACKGROUNDS, capture=True,
                             card_px=(30, 130))
        logits = classifier.session.run(None, {classifier.input_name: normalise(x)})[0]
        temperature = fit_temperature(logits, y)
    cells = run()
    before = Cell()
    for cell in cells.values():
        before.add(cell)
    if temperature != 1.0:
        classifier.temperature = temperature
        cells = run()
    # a card under the threshold must have had its second index read: run again with the first threshold
    # as the "sure" level of classify_quads, and choose the threshold on what that reads
    gate = max(SURE, max(threshold_of(cells).values(), default=0.0))
    if gate != SURE:
        classifier.sure = classifier.pip_level = gate
        cells = run()
    after = Cell()
    for cell in cells.values():
        after.add(cell)
    per_design = threshold_of(cells)
    threshold = max(per_design.values(), default=0.0)
    result = Calibration(temperature, threshold, after.cards, per_design,
                         sum(1 for c, r in after.scored if c >= threshold and not r),
                         sum(1 for c, r in after.scored if c >= threshold and r),
                         expected_calibration_error(before.scored), expected_calibration_error(after.scored))
    if write:
        # written exactly (repr round-trips a float): a threshold rounded to 6 digits can fall under the wrong
        # card it was set just above (0.98725092 -> "0.987251" happened to round up)
        values = {"temperature": f"{temperature:.6g}", "abstain_threshold": repr(threshold),
                  "sure": repr(gate), "calibrated_on": ",".join(styles), "second_look": second_look,
                  "pip_check": "on" if pip_check else "off", "pip_level": repr(gate),
                  "suit_check": "on" if suit_check else "off"}
        if fallback is not None:
            values["fallback"] = fallback
        write_metadata(path, values)
    return result
