"""A suit check of a number card (2-10) from the shape of its centre pips: a cross-check of its index read.

The card's pips are found as the pip count finds them (`pips.find_pips`: a clean set of same-sized, mirrored
blobs), on the card warped upright at twice the count's size (128 px wide; a pip is ~16 px there). Each pip's
ink, cut to its bounding box, is shrunk to SHAPE x SHAPE and normalised (zero mean, unit length); with the log of
its aspect ratio it is one pip's shape, and a linear softmax over the four suits (`SuitShapes`, learnt by
`learn` on the train designs and the project's own styles only, never a validation or test design) gives each
suit's probability.

A pip's way up is not known: a located card may be upside down, real decks draw the lower half's pips turned
180 degrees and the project's own styles draw every pip upright. So a card is judged under three layouts: the
lower half turned (real decks, either way up), every pip as seen, every pip turned; pips on the middle row are
left out. Under each, the pips' log-probabilities are summed into the card's suit probabilities. The pips
**rule out** the read suit only when it is under RULED_OUT in every layout while another suit reaches CLEAR in
one; anything less is no answer, and no answer never vetoes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ggpgfx.cards.locate import Quad
from ggpgfx.cards.pips import MIN_CARD_PX, NUMBER_RANKS, PIP_H, card_width, find_pips, upright

SUITS = "cdhs"
SCALE = 2  # the card is warped SCALE times the pip count's 64 px (a pip ~16 px wide)
SHAPE = 12  # a pip's ink is shrunk to SHAPE x SHAPE
MIDDLE = 0.06  # pips within this share of the card height of its middle row: way up unknown, left out
MIN_PIPS = 2  # pips off the middle row a verdict needs (a two and a three have two)
SAME_WAY = 0.1  # the lower half's pips look this much more like the upper half's turned (or as seen): that layout
RULED_OUT = 0.01  # the read suit's highest probability over the layouts must be under this ...
CLEAR = 0.99  # ... and another suit's at least this in one layout, for the pips to veto the read
SHAPES_FILE = Path(__file__).parent / "models" / "suit-shapes.npz"


@dataclass(frozen=True)
class SuitShapes:
    """A linear softmax over the four suits (`SUITS` order) of pip shapes (`describe`)."""

    weights: np.ndarray  # (features, 4) float32
    bias: np.ndarray  # (4,) float32

    def log_probabilities(self, shapes: np.ndarray) -> np.ndarray:
        """Log-probabilities (N, 4) of the suits for pip shapes (N, features)."""
        logits = shapes @ self.weights + self.bias
        logits = logits - logits.max(axis=1, keepdims=True)
        return np.asarray(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))

    def save(self, path: str | Path) -> None:
        """Write the weights as an .npz file."""
        np.savez(path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32))


@lru_cache(maxsize=4)
def load_shapes(path: str = str(SHAPES_FILE)) -> SuitShapes:
    """The suit-shape weights in an .npz file (default: the shipped ones)."""
    with np.load(path) as data:
        return SuitShapes(data["weights"].astype(np.float32), data["bias"].astype(np.float32))


def describe(ink: np.ndarray) -> np.ndarray:
    """One pip's shape: its ink (cut to its box) shrunk to SHAPE x SHAPE, normalised, and its log aspect."""
    h, w = ink.shape
    small = cv2.resize(ink.astype(np.float32), (SHAPE, SHAPE), interpolation=cv2.INTER_AREA).ravel()
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return np.append(small / norm if norm > 0 else small, np.float32(np.log(h / w))).astype(np.float32)


def pip_inks(gray: np.ndarray, quad: Quad) -> list[tuple[np.ndarray, float]] | None:
    """Each pip's ink cut to its box and its height on the card (0 top, 1 bottom) when the pips are clean."""
    if card_width(quad) < MIN_CARD_PX:
        return None
    found = find_pips(upright(gray, quad, SCALE), SCALE)
    if found is None:
        return None
    pips, labels, ink, stats = found
    out = []
    for _, _, y, label in pips:
        left, top, width, height = stats[label, :4].tolist()
        box = (slice(top, top + height), slice(left, left + width))
        out.append((ink[box] * (labels[box] == label), y / (PIP_H * SCALE)))
    return out


def layouts(pips: list[tuple[np.ndarray, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The shapes of the pips off the middle row: as seen, turned 180 degrees, and whether in the upper half."""
    kept = [(ink, y) for ink, y in pips if abs(y - 0.5) >= MIDDLE]
    if len(kept) < MIN_PIPS:
        return None
    seen = np.stack([describe(ink) for ink, _ in kept])
    turned = np.stack([describe(ink[::-1, ::-1]) for ink, _ in kept])
    return seen, turned, np.array([y < 0.5 for _, y in kept])


def layouts_shown(seen: np.ndarray, turned: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Which of the three layouts (lower half turned, all as seen, all turned) the pips allow.

    All of one card's pips are one drawing, so the lower half's pips look like the upper half's either turned
    180 degrees (a real deck: only the first layout) or as seen (the project's own styles: the card may be upside
    down, so both others); a diamond or a blur looks alike both ways (SAME_WAY), and all three stay.
    """
    top, bottom, bottom_turned = seen[upper, :-1], seen[~upper, :-1], turned[~upper, :-1]
    if len(top) and len(bottom):
        difference = float((top @ bottom_turned.T).mean() - (top @ bottom.T).mean())  # shapes have unit length
        if difference > SAME_WAY:
            return np.array([True, False, False])
        if difference < -SAME_WAY:
            return np.array([False, True, True])
    return np.array([True, True, True])


@dataclass(frozen=True)
class Judgement:
    """What a card's pips say under the layouts they allow (`layouts_shown`)."""

    probabilities: np.ndarray  # (layouts, 4): the card's suit probabilities under each allowed layout
    pip_suits: np.ndarray  # (layouts, pips): each pip's most probable suit under each allowed layout

    def verdict(self, suit: str) -> str | None:
        """The suit the pips clearly say instead of `suit`, or None (no answer, or `suit` not ruled out).

        Clear: `suit` is under RULED_OUT in every allowed layout, and in one of them another suit reaches CLEAR
        with every pip on its own saying that suit too (a card-level sum alone can be carried by pips of a drawing
        the weights do not know).
        """
        read = SUITS.index(suit)
        if self.probabilities[:, read].max() >= RULED_OUT:
            return None
        for layout in np.argsort(-self.probabilities.max(axis=1)):
            best = int(self.probabilities[layout].argmax())
            if self.probabilities[layout, best] >= CLEAR and bool((self.pip_suits[layout] == best).all()):
                return SUITS[best]
        return None


def judge(shapes: SuitShapes, seen: np.ndarray, turned: np.ndarray, upper: np.ndarray) -> Judgement:
    """The card's suit probabilities under each layout its pips allow (the pips' log-probabilities summed)."""
    a, b = shapes.log_probabilities(seen), shapes.log_probabilities(turned)
    per_pip = np.stack([np.where(upper[:, None], a, b), a, b])[layouts_shown(seen, turned, upper)]
    sums = per_pip.sum(axis=1)
    sums = sums - sums.max(axis=1, keepdims=True)
    probs = np.exp(sums)
    return Judgement(np.asarray(probs / probs.sum(axis=1, keepdims=True)), per_pip.argmax(axis=2))


def pips_suit(card: str, gray: np.ndarray, quad: Quad, shapes: SuitShapes | None = None) -> str | None:
    """The suit the pips of a card read as `card` (a number card) clearly say instead of its suit, else None."""
    if card[:1] not in NUMBER_RANKS:
        return None
    pips = pip_inks(gray, quad)
    found = None if pips is None else layouts(pips)
    if found is None:
        return None
    return judge(shapes or load_shapes(), *found).verdict(card[1])


def contradicts(card: str, gray: np.ndarray, quad: Quad) -> bool:
    """Whether the pips of a card read as `card` (a number card) clearly say another suit."""
    return pips_suit(card, gray, quad) is not None


def training_shapes(style: str, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Upright pip shapes and their suits from scenes of one style (every capture condition), read on the true
    outlines: a real design (`deck:`) turns its lower half's pips, the project's own styles draw all upright."""
    from ggpgfx.cards.conditions import CONDITIONS, scenes
    from ggpgfx.cards.synth import DESIGN_PREFIX

    real = style.startswith(DESIGN_PREFIX)
    shapes, suits = [], []
    for index, condition in enumerate(CONDITIONS.values()):
        for scene in scenes(style, condition, count, seed + 100_000 * index):
            for card, corners in zip(scene.cards, scene.corners, strict=True):
                if card[:1] not in NUMBER_RANKS:
                    continue
                pips = pip_inks(scene.image, Quad(np.asarray(corners, np.float32), 1.0))
                for ink, y in pips or []:
                    if abs(y - 0.5) >= MIDDLE:
                        shapes.append(describe(ink[::-1, ::-1] if real and y > 0.5 else ink))
                        suits.append(SUITS.index(card[1]))
    return np.array(shapes, np.float32).reshape(-1, SHAPE * SHAPE + 1), np.array(suits, np.int64)


def fit_shapes(shapes: np.ndarray, suits: np.ndarray, decay: float = 1e-4, steps: int = 3000) -> SuitShapes:
    """A softmax regression of suits on pip shapes: mean cross-entropy plus `decay` / 2 * |weights|^2, Adam."""
    n, features = shapes.shape
    weights, bias = np.zeros((features, 4), np.float64), np.zeros(4, np.float64)
    onehot = np.eye(4)[suits]
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    x = shapes.astype(np.float64)
    for step in range(1, steps + 1):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        error = (probs - onehot) / n
        grads = (x.T @ error + decay * weights, error.sum(axis=0))
        for k, grad in enumerate(grads):
            m, v = moments[2 * k], moments[2 * k + 1]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad**2
            update = rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
            if k == 0:
                weights -= update
            else:
                bias -= update
    return SuitShapes(weights.astype(np.float32), bias.astype(np.float32))


def learning_styles(font_styles: int = 80) -> list[str]:
    """The styles the shapes are learnt from: the installed train designs, the project's own train styles with
    centre pips, and the font pool's styles with centre pips among its first `font_styles` (seed 5)."""
    from ggpgfx.cards.deck import TRAIN_STYLES
    from ggpgfx.cards.designs import installed_designs
    from ggpgfx.cards.fontpool import style_for_name
    from ggpgfx.cards.synth import DESIGN_PREFIX

    fonts = [name for name in (f"font:5:{i}" for i in range(font_styles)) if style_for_name(name).centre == "pips"]
    return ([DESIGN_PREFIX + d for d in installed_designs("train")]
            + [name for name, style in TRAIN_STYLES.items() if style.centre == "pips"] + fonts)


def learn_shapes(styles: list[str] | None = None, seed: int = 1000, decay: float = 1e-4) -> SuitShapes:
    """Suit-shape weights learnt from `styles` (default `learning_styles`; never validation or test designs):
    6 scenes a condition of each real design, 4 of each own style, 2 of each font style."""
    from ggpgfx.cards.synth import DESIGN_PREFIX

    shapes, suits = [], []
    for index, style in enumerate(learning_styles() if styles is None else styles):
        count = 6 if style.startswith(DESIGN_PREFIX) else 2 if style.startswith("font:") else 4
        x, y = training_shapes(style, count, seed + 7 * index)
        shapes.append(x)
        suits.append(y)
    return fit_shapes(np.concatenate(shapes), np.concatenate(suits), decay)
