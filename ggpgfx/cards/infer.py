"""Card-index classification with ONNX Runtime on the CPU; models come from the package, a file or MLflow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ggpgfx.cards.locate import normalise
from ggpgfx.errors import ConfigError

DEFAULT_MODEL = Path(__file__).parent / "models" / "card-detector.onnx"
#: Shipped models by name: "default" (round 7: own styles and ten real train designs; below its calibrated threshold
#: it hands the card to its fallbacks "real-decks", then "own-styles"), "real-decks" (fine-tuned with real deck
#: designs) and "own-styles" (the default of rounds 3-6, sure of the project's own styles); each calibrated, each
#: abstains below its threshold (docs/cards.md, "The default path").
SHIPPED_MODELS = {"default": DEFAULT_MODEL, "real-decks": DEFAULT_MODEL.with_name("card-detector-real-decks.onnx"),
                  "own-styles": DEFAULT_MODEL.with_name("card-detector-own-styles.onnx")}
BARE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
UNKNOWN = "??"  # a card was found but not read surely enough: never another card (see CardDetector)
SURE = 0.85  # a first patch at least this sure is not refined nor read from its second corner (classify_quads)
#: How a card still unsure after both indices were read pools the extra warps of its second look
#: (`classify_quads`): "off" (no second look), "mean" (the mean of the probabilities) or "geo" (their geometric
#: mean, renormalised).
SECOND_LOOKS = ("off", "mean", "geo")


def fallback_names(text: str) -> list[str]:
    """The shipped models a `fallback` metadata value names, in the order they read (comma-separated)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def load_model_bytes(source: str | Path | None = None, tracking_uri: str | None = None) -> bytes:
    """ONNX bytes of a shipped model (None, "default", "real-decks", "own-styles"), a file path, or an MLflow
    `models:/` URI."""
    if source is None or str(source) in ("", *SHIPPED_MODELS):
        path = SHIPPED_MODELS[str(source or "default")]
        if not path.is_file():
            raise ConfigError(f"the shipped card model is missing ({path}); run `ggp cards train`")
        return path.read_bytes()
    text = str(source)
    if text.startswith(("models:/", "runs:/")):
        import mlflow
        import mlflow.onnx

        from ggpgfx.cards.train import default_tracking_uri

        mlflow.set_tracking_uri(tracking_uri or default_tracking_uri())
        try:
            proto = mlflow.onnx.load_model(text)
        except Exception as exc:  # mlflow raises its own exception types for unknown names/versions
            raise ConfigError(f"cannot load card model {text}: {exc}") from exc
        return bytes(proto.SerializeToString())
    if BARE_NAME.match(text):
        # A bare name is a shipped model, never a file in the working folder (the run policy lets bare
        # names through as bundled names, like skins): a local file is given as ./NAME or a path.
        raise ConfigError(f"unknown shipped card model {text!r}; shipped: {', '.join(SHIPPED_MODELS)} "
                          "(or a file path such as ./model.onnx, or models:/NAME/VERSION)")
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(f"card model file not found: {path}")
    return path.read_bytes()


@dataclass
class CutPatches:
    """Index patches cut from a list of quads, kept so a second model reading the same quads cuts none."""

    first: np.ndarray | None = None  # (N, H, W): every card's top-left index
    more: dict[int, np.ndarray] = field(default_factory=dict)  # card -> its second look (classify_quads)

    def subset(self, cards: list[int]) -> CutPatches:
        """The patches of the given cards, renumbered 0.. in that order."""
        return CutPatches(None if self.first is None else self.first[cards],
                          {k: self.more[i] for k, i in enumerate(cards) if i in self.more})


def pool(probs: np.ndarray, how: str) -> np.ndarray:
    """One probability row from the rows of several looks at one index: their mean, or geometric mean ("geo")."""
    if how == "geo":
        log = np.log(np.maximum(probs, 1e-12)).mean(axis=0)
        row = np.exp(log - log.max())
        return np.asarray(row / row.sum())
    return np.asarray(probs.mean(axis=0))


def _split(probs: np.ndarray, cards: list[int], more: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Rows of `probs` back to the cards whose `more` patches were stacked in that order."""
    out: dict[int, np.ndarray] = {}
    at = 0
    for i in cards:
        out[i] = probs[at:at + len(more[i])]
        at += len(more[i])
    return out


class CardClassifier:
    """Classifies pairs of corner patches (one card each) into a card and a confidence."""

    def __init__(self, source: str | Path | None = None, threads: int = 1, tracking_uri: str | None = None,
                 fallback: bool = True) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(load_model_bytes(source, tracking_uri), options,
                                            providers=["CPUExecutionProvider"])
        meta: dict[str, Any] = self.session.get_modelmeta().custom_metadata_map
        if "classes" not in meta:
            raise ConfigError("card model has no 'classes' metadata: export it with ggpgfx.cards.model.export_onnx")
        self.classes: list[str] = meta["classes"].split(",")
        # calibration (`ggp cards calibrate`): logits are divided by the temperature; a card below the
        # abstain threshold is reported as unknown. Models without them: 1.0 and 0.0 (never abstain).
        self.temperature = float(meta.get("temperature", 1.0))
        self.abstain_threshold = float(meta.get("abstain_threshold", 0.0))
        # the "sure" level of classify_quads the threshold was chosen with (calibrate: the first threshold),
        # so a card under the threshold has had its second index read before it is abstained on
        self.sure = float(meta.get("sure", SURE))
        # the second look (`classify_quads`) the threshold was chosen with: metadata `second_look`, "off" if absent
        self.second_look = str(meta.get("second_look", "off"))
        if self.second_look not in SECOND_LOOKS:
            raise ConfigError(f"card model has an unknown second_look {self.second_look!r}; known: "
                              f"{', '.join(SECOND_LOOKS)}")
        self.looked_again = 0  # cards given the second look (classify_quads)
        # the pip check (`read_quads`) the threshold was chosen with: metadata `pip_check` ("on"/"off", off if
        # absent) and `pip_level`, the confidence from which a card is not checked (calibration writes its "sure"
        # level: a card that sure is named from its first patch alone; the validation misreads lie under it)
        self.pip_check = str(meta.get("pip_check", "off")) == "on"
        self.pip_level = float(meta.get("pip_level", self.sure))
        self.pips_counted = 0  # named number cards whose pips were counted (read_quads)
        self.vetoed = 0  # of those, cards made UNKNOWN because their pips said another number
        # the suit check (`read_quads`, `suits.py`) the threshold was chosen with: metadata `suit_check` ("on"/"off",
        # off if absent); it checks the same cards as the pip check (under `pip_level`)
        self.suit_check = str(meta.get("suit_check", "off")) == "on"
        self.suits_checked = 0  # named number cards whose pips' shape was judged (read_quads)
        self.suit_vetoed = 0  # of those, cards made UNKNOWN because their pips clearly said another suit
        self.none_index = self.classes.index("none")
        self.input_name = self.session.get_inputs()[0].name
        self.refined = 0  # cards whose first patch was unsure, so their outline was refit (classify_quads)
        # metadata `fallback`: shipped models (by name only, never a path; comma-separated, in order) that read
        # the cards this one is unsure of (`read_quads`), each with its own calibrated threshold and each only the
        # cards still unsure after the ones before it; a fallback's own fallbacks are not loaded
        self.fallbacks: list[CardClassifier] = []
        for name in fallback_names(str(meta.get("fallback", ""))) if fallback else []:
            if name not in SHIPPED_MODELS:
                raise ConfigError(f"card model names an unknown fallback model {name!r}; shipped: "
                                  f"{', '.join(SHIPPED_MODELS)}")
            self.fallbacks.append(CardClassifier(name, threads, fallback=False))

    @property
    def fallback(self) -> CardClassifier | None:
        """The first fallback model (None without one)."""
        return self.fallbacks[0] if self.fallbacks else None

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        """Softmax over classes for uint8 patches (N, H, W)."""
        if len(patches) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        logits = self.session.run(None, {self.input_name: normalise(patches)})[0] / self.temperature
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def combine(self, first: np.ndarray, second: np.ndarray) -> tuple[str | None, float]:
        """One decision from the probabilities of a card's two corner patches."""
        none = self.none_index
        a, b = int(first.argmax()), int(second.argmax())
        if a == b:
            label, confidence = a, float((first[a] + second[a]) / 2)
        elif a == none:  # one corner hidden (a finger, a chip): trust the other, a little less
            label, confidence = b, float(second[b]) * 0.9
        elif b == none:
            label, confidence = a, float(first[a]) * 0.9
        else:
            mean = (first + second) / 2
            label = int(mean.argmax())
            confidence = float(mean[label]) * 0.8
        return (None if label == none else self.classes[label]), confidence

    def classify(self, patches: np.ndarray) -> list[tuple[str | None, float]]:
        """One (card or None, confidence) per consecutive pair of corner patches."""
        probs = self.probabilities(patches)
        return [self.combine(probs[i], probs[i + 1]) for i in range(0, len(probs) - 1, 2)]

    def classify_quads(self, views: list[np.ndarray], quads: list[Any], sure: float = SURE,
                       refine: bool = True, refits: dict[int, Any] | None = None,
                       cut: CutPatches | None = None, second_look: str | None = None) -> list[tuple[str | None, float]]:
        """Classify cards from the top-left index; only unsure ones pay for more.

        `views[i]` is the image `quads[i]` is expressed in. A card whose top-left patch is not sure gets
        its outline fitted at full resolution (`refine_quad`, when `refine`) and both of its indices
        classified and combined, so an occluded corner or a rough outline costs nothing. `refits` (quad
        index -> refined quad) keeps the refits for a second model reading the same quads. `cut` keeps the
        patches cut: a second model given them cuts none, and reads the cards that have their second look
        cut already in the same ONNX call as the top-left patches (batch rows are independent: the same
        results as two calls).

        `second_look` ("mean" or "geo"; default this model's calibrated `second_look`, "off" when the model was
        calibrated without one): a card still under `sure` after both indices were read has each index read
        again through six small warps of its outline (`look_quads`: shifted +-1.5 % of the card width, scaled
        +-4 %; one ONNX call for all such cards), and each index's probabilities are pooled over its seven looks
        before the two indices are combined. A right reading is stable under such warps and a confident misread
        often is not, so pooling should lower wrong cards' confidence more than right ones'; sure cards never pay.
        """
        from ggpgfx.cards.locate import corner_patches, cut_patches, refine_quad

        if not quads:
            return []
        cut = CutPatches() if cut is None else cut
        if cut.first is None:
            cut.first = cut_patches(views, quads, (0,))
        n = len(quads)
        ahead = [i for i in range(n) if i in cut.more]
        probs = self.probabilities(np.concatenate([cut.first, *(cut.more[i] for i in ahead)]) if ahead
                                   else cut.first)
        first, looked = probs[:n], _split(probs[n:], ahead, cut.more)
        # float64: a float32 compared with a Python float is compared in float32 (NumPy 2), so a `sure` level
        # one float64 step above a card's confidence (calibration's threshold, just above its worst wrong card)
        # would count that card as sure
        best, top = first.argmax(axis=1), first.max(axis=1).astype(np.float64)
        unsure = [i for i in range(n) if top[i] < sure or best[i] == self.none_index]
        results: list[tuple[str | None, float]] = [(self.classes[b], float(t)) for b, t in zip(best.tolist(), top,
                                                                                              strict=True)]
        missing = [i for i in unsure if i not in looked]
        done: dict[int, Any] = {} if refits is None else refits
        if missing:
            for i in missing:
                if refine:
                    if i not in done:
                        self.refined += 1
                        done[i] = refine_quad(views[i], quads[i])
                    cut.more[i] = corner_patches(views[i], [done[i]])
                else:
                    cut.more[i] = corner_patches(views[i], [quads[i]], (1,))
            looked.update(_split(self.probabilities(np.concatenate([cut.more[i] for i in missing])), missing,
                                 cut.more))
        for i in unsure:
            second = looked[i]
            results[i] = self.combine(second[0], second[1]) if refine else self.combine(first[i], second[0])
        how = self.second_look if second_look is None else second_look
        if how not in SECOND_LOOKS:
            raise ConfigError(f"unknown second_look {how!r}; known: {', '.join(SECOND_LOOKS)}")
        again = [i for i in unsure if results[i][1] < sure] if how != "off" else []
        if again:
            self._look_again(views, quads, again, results, first, looked, how, done, refine)
        return results

    def _look_again(self, views: list[np.ndarray], quads: list[Any], again: list[int],
                    results: list[tuple[str | None, float]], first: np.ndarray, looked: dict[int, np.ndarray],
                    how: str, refits: dict[int, Any], refine: bool) -> None:
        """The second look (`classify_quads`): both indices of each card in `again` through `look_quads`' warps
        of its outline (the refit one where there is one), pooled with the looks already made."""
        from ggpgfx.cards.locate import cut_patches, look_quads

        self.looked_again += len(again)
        warped = [look_quads(refits.get(i, quads[i]) if refine else quads[i]) for i in again]
        per = len(warped[0])
        extra = self.probabilities(cut_patches([views[i] for i in again for _ in range(per)],
                                               [q for qs in warped for q in qs]))  # (card, warp, corner) order
        for k, i in enumerate(again):
            rows = extra[k * per * 2:(k + 1) * per * 2]
            seen = looked[i]
            top = seen[0] if refine else first[i]
            bottom = seen[1] if refine else seen[0]
            results[i] = self.combine(pool(np.vstack([top[None], rows[0::2]]), how),
                                      pool(np.vstack([bottom[None], rows[1::2]]), how))

    def read_quads(self, views: list[np.ndarray], quads: list[Any], abstain: float | None = None,
                   refine: bool = True, second_look: str | None = None,
                   pip_check: bool | None = None, suit_check: bool | None = None) -> list[tuple[str | None, float]]:
        """Read cards, abstaining: a card name only where a model is sure, else UNKNOWN; None where no card.

        A card below this model's threshold (`abstain`, default the calibrated `abstain_threshold`) has
        had its second index read (`classify_quads` at the calibrated "sure" level, metadata `sure`: the
        level the threshold was chosen with; with `abstain` given, the higher of 0.85 and it); still
        unsure, it goes to the fallback models (metadata `fallback`, in order), each of which names it only at or
        above its own threshold (or `abstain`, when given: then one threshold holds for all). Otherwise it is
        UNKNOWN ("??"), never another card. `second_look` is this model's (`classify_quads`; default the one
        it was calibrated with); the fallback reads with its own calibrated one.

        `pip_check` (default: as this model was calibrated, metadata `pip_check`): a card named as a number card
        (2-10, by either model) under `pip_level` has its pips counted on its outline (`pips.contradicts`: the
        refit one where there is one); a clean count of another number makes it UNKNOWN. Face cards, aces,
        cards under 60 px wide and cards whose pips cannot be counted cleanly are left as read.

        `suit_check` (default: as this model was calibrated, metadata `suit_check`): the same cards, still named,
        have their pips' shape judged (`suits.contradicts`); pips that clearly say another suit make the card
        UNKNOWN. No clear answer leaves it as read.
        """
        limit = self.abstain_threshold if abstain is None else abstain
        gate = self.sure if abstain is None else max(SURE, abstain)
        refits: dict[int, Any] = {}
        cut = CutPatches()
        results = self.classify_quads(views, quads, sure=gate, refine=refine, refits=refits, cut=cut,
                                      second_look=second_look)
        sure = [confidence >= limit for _, confidence in results]
        for fallback in self.fallbacks:
            unsure = [i for i, ok in enumerate(sure) if not ok]
            if not unsure:
                break
            fb_limit = fallback.abstain_threshold if abstain is None else abstain
            second = fallback.classify_quads([views[i] for i in unsure], [quads[i] for i in unsure],
                                             sure=fallback.sure if abstain is None else gate, refine=refine,
                                             refits={k: refits[i] for k, i in enumerate(unsure) if i in refits},
                                             cut=cut.subset(unsure))
            for i, (card, confidence) in zip(unsure, second, strict=True):
                if card is not None and (confidence >= fb_limit or results[i][0] is None):
                    # named surely; or a card where the first model saw none: unknown (below), not missing
                    results[i], sure[i] = (card, confidence), confidence >= fb_limit
        count = self.pip_check if pip_check is None else pip_check
        shape = self.suit_check if suit_check is None else suit_check
        if count or shape:
            from ggpgfx.cards import pips, suits

            for i, (card, confidence) in enumerate(results):
                if card is None or not sure[i] or confidence >= self.pip_level or card[:1] not in pips.NUMBER_RANKS:
                    continue
                quad = refits.get(i, quads[i])
                if count:
                    self.pips_counted += 1
                    if pips.contradicts(card, views[i], quad):
                        self.vetoed += 1
                        sure[i] = False
                        continue
                if shape:
                    self.suits_checked += 1
                    if suits.contradicts(card, views[i], quad):
                        self.suit_vetoed += 1
                        sure[i] = False
        return [(card if card is None or ok else UNKNOWN, confidence)
                for (card, confidence), ok in zip(results, sure, strict=True)]
