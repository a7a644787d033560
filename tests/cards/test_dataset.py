"""Training data: jittered index cuts (`views`), the real-design weight and the training-time budget."""

from __future__ import annotations

import cv2
import numpy as np

from ggpgfx.cards.dataset import CLASSES, NONE_CLASS, build_patches, jitter_quad, zoomed_corner
from ggpgfx.cards.locate import PATCH_H, PATCH_W, Quad, order_corners
from ggpgfx.cards.train import TrainConfig, fit, training_styles


def test_jitter_quad_moves_the_index_region_within_bounds() -> None:
    rng = np.random.default_rng(3)
    corners = order_corners(np.array([[100, 100], [200, 100], [200, 240], [100, 240]], np.float32))
    quad = Quad(corners, 14000.0, 0.97, 150.0)
    moved = [jitter_quad(rng, quad) for _ in range(200)]
    shifts = np.array([np.abs(m.corners - corners).max() for m in moved])
    widths = np.array([np.linalg.norm(m.corners[1] - m.corners[0]) for m in moved])
    assert shifts.max() < 0.25 * 100 and shifts.mean() > 0.02 * 100  # it moves, but stays on the card
    assert 0.8 * 100 < widths.min() and widths.max() < 1.25 * 100
    assert widths.std() > 1.0  # scale varies, not only position
    assert all(m.level == quad.level and m.area == quad.area for m in moved)
    assert np.allclose(jitter_quad(rng, quad, amount=0.0).corners, corners)


def test_zoomed_corner_keeps_the_index_corner_and_shrinks_the_index() -> None:
    from ggpgfx.cards.locate import corner_patches
    from ggpgfx.cards.synth import make_scene

    rng = np.random.default_rng(8)
    scene = make_scene(rng, ["Ks"], ["classic"], ("felt",), card_px=(120, 121), occlusion=0.0, perspective=0.0,
                       max_angle=0.0)
    quad = Quad(order_corners(scene.corners[0]), 0.0)
    for k in (0, 1):
        zoomed = zoomed_corner(quad, k, 1.5)
        anchor = np.roll(quad.corners, -2 * k, axis=0)[0]
        assert np.allclose(np.roll(zoomed.corners, -2 * k, axis=0)[0], anchor)  # same corner of the card
        plain = corner_patches(scene.image, [quad], (k,))[0].astype(np.float32)
        small = corner_patches(scene.image, [zoomed], (k,))[0].astype(np.float32)
        # the zoomed patch's top-left two thirds, blown up, is the plain patch: the same index, 1.5x smaller
        blown = cv2.resize(small[:32, :21], (PATCH_W, PATCH_H), interpolation=cv2.INTER_LINEAR)

        def corr(a: np.ndarray, b: np.ndarray) -> float:
            return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])

        assert corr(blown, plain) > 0.8 and corr(blown, plain) > corr(small, plain) + 0.1, (corr(blown, plain),
                                                                                           corr(small, plain))
    assert np.allclose(zoomed_corner(quad, 0, 1.0).corners, quad.corners)


def test_views_add_labelled_cuts_of_the_same_cards() -> None:
    plain_x, plain_y = build_patches(np.random.default_rng(5), 12, ["classic"], capture=True, card_px=(60, 100))
    more_x, more_y = build_patches(np.random.default_rng(5), 12, ["classic"], capture=True, card_px=(60, 100),
                                   views=2)
    assert more_x.shape[1:] == (PATCH_H, PATCH_W) and more_x.dtype == np.uint8
    cards = plain_y[plain_y != NONE_CLASS]
    extra = more_y[more_y != NONE_CLASS]
    assert len(extra) > 2 * len(cards)  # up to two more pairs per face-up card (covered indices are left out)
    # the extra cuts carry the labels of the cards they were cut from: each card shows up about 3x as often
    def per_card(labels: np.ndarray) -> float:
        counts = np.bincount(labels)
        return float(np.median(counts[counts > 0]))

    assert per_card(extra) >= 2 * per_card(cards)
    assert more_y.max() < len(CLASSES)


def test_real_weight_sets_the_share_of_real_designs() -> None:
    styles, _, held = training_styles(TrainConfig(real_weight=3))
    real = [s for s in styles if s.startswith("deck:")]
    own = [s for s in styles if not s.startswith("deck:")]
    if real:  # the Debian decks are installed
        assert len(real) == 3 * len(set(real)) and len(own) > 0
        assert not set(real) & set(held)
        assert "deck:tigullio" not in real
    doubled, _, _ = training_styles(TrainConfig(real_weight=3, own_weight=2))
    assert [s for s in doubled if not s.startswith("deck:")] == own * 2  # the own styles' share kept as designs grow


def test_a_training_budget_stops_after_the_epoch_that_would_overrun_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = TrainConfig(epochs=3, scenes=10, val_scenes=5, batch_size=32, width=1, output=tmp_path / "t.onnx",
                         own_styles=True, designs=(), max_minutes=1e-6, views=1)
    _, result = fit(config)
    assert len(result.history) == 1 and result.onnx_path.is_file()
