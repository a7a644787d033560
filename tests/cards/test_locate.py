"""Localisation: card-shaped blobs become ordered quads close to the true corners, even on bright felt."""

from __future__ import annotations

import numpy as np

from ggpgfx.cards.locate import (
    PATCH_H,
    PATCH_W,
    corner_patches,
    find_cards,
    normalise,
    order_corners,
    refine_quad,
)
from ggpgfx.cards.synth import make_scene, style_names


def _corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    # a card turned 180 degrees has the same index in the same place: both orders are right
    return min(float(np.abs(found - np.roll(truth, -k, axis=0)).max()) for k in (0, 2))


def test_order_corners_is_clockwise_with_a_short_edge_first() -> None:
    box = np.array([[10, 10], [10, 150], [110, 150], [110, 10]], np.float32)  # counter-clockwise, long first
    ordered = order_corners(box)
    edges = np.linalg.norm(np.roll(ordered, -1, axis=0) - ordered, axis=1)
    assert edges[0] < edges[1]
    x, y = ordered[:, 0], ordered[:, 1]
    assert float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) > 0  # clockwise on screen (y down)


def test_quads_match_true_corners_on_train_and_held_out_backgrounds() -> None:
    rng = np.random.default_rng(4)
    errors, found, total = [], 0, 0
    for backgrounds in (("felt", "wood"), ("tiles", "blobs", "cloth")):
        for _ in range(15):
            scene = make_scene(rng, ["Ah", "7c", "Td"], style_names(False), backgrounds, card_px=(50, 100),
                               occlusion=0.0, perspective=0.0)
            quads = find_cards(scene.image, 300)
            for corners in scene.corners:
                total += 1
                centre = corners.mean(axis=0)
                near = [q for q in quads if np.linalg.norm(np.array(q.centre()) - centre) < 8]
                if near:
                    found += 1
                    errors.append(_corner_error(near[0].corners, order_corners(corners)))
    assert found >= 0.97 * total
    assert float(np.median(errors)) < 3.0


def test_patches_and_normalisation() -> None:
    rng = np.random.default_rng(5)
    scene = make_scene(rng, ["Qs"], style_names(False), ("felt",), card_px=(80, 90), occlusion=0.0)
    quads = find_cards(scene.image, 300)
    assert len(quads) == 1
    both = corner_patches(scene.image, quads)
    assert both.shape == (2, PATCH_H, PATCH_W) and both.dtype == np.uint8
    assert np.array_equal(corner_patches(scene.image, quads, (1,))[0], both[1])
    x = normalise(both)
    assert x.shape == (2, 1, PATCH_H, PATCH_W) and abs(float(x.mean())) < 1e-3
    assert find_cards(np.zeros((0, 0), np.uint8)) == []
    assert find_cards(np.full((100, 100), 60, np.uint8)) == []  # bare felt: nothing


def test_normalisation_is_exactly_each_patch_less_its_mean_over_its_spread_plus_8() -> None:
    # normalise works in place for speed: it must give the very floats of the plain formula the models were
    # trained and calibrated with
    rng = np.random.default_rng(9)
    for n in (1, 2, 7, 40):
        patches = rng.integers(0, 256, (n, PATCH_H, PATCH_W), dtype=np.uint8)
        patches[0] = patches[0] // 64 * 60 + 20  # a few levels only, like a clean index
        x = patches.astype(np.float32)
        plain = (x - x.mean(axis=(1, 2), keepdims=True)) / (x.std(axis=(1, 2), keepdims=True) + 8.0)
        assert np.array_equal(normalise(patches), plain[:, None])


def test_refined_quads_fit_cards_seen_in_perspective() -> None:
    # the coarse quad is a rotated rectangle at half resolution; the refined one fits four edge lines at
    # full resolution, so a card in perspective (no rectangle) gets its own corners
    rng = np.random.default_rng(11)
    coarse_err, fine_err = [], []
    for _ in range(20):
        scene = make_scene(rng, ["Ah", "7c", "Td"], style_names(True), ("tiles", "cloth"), card_px=(44, 90),
                           occlusion=0.0, perspective=0.08)
        coarse, fine = find_cards(scene.image, 300), find_cards(scene.image, 300, refine=True)
        assert len(coarse) == len(fine)
        for corners in scene.corners:
            width = float(np.linalg.norm(corners[1] - corners[0]))
            centre = corners.mean(axis=0)
            for quads, errors in ((coarse, coarse_err), (fine, fine_err)):
                near = [q for q in quads if np.linalg.norm(np.array(q.centre()) - centre) < 0.25 * width]
                if near:
                    errors.append(_corner_error(near[0].corners, order_corners(corners)) / width)
    assert len(fine_err) >= 50
    assert float(np.median(fine_err)) < 0.03 < float(np.median(coarse_err))
    assert refine_quad(np.zeros((50, 50), np.uint8), find_cards(scene.image, 300)[0]) is not None


def test_a_bright_piece_inside_a_card_does_not_replace_the_card() -> None:
    # a face card whose outline a finger bites (a rough outline, so higher levels are tried) with a dark
    # frame and a brighter panel inside: the panel is card-shaped and cleaner, but it is part of the card
    import cv2

    for bite in ((30, 26), (34, 28), (26, 22)):
        img = np.full((200, 200), 40, np.uint8)
        card = cv2.boxPoints(((100.0, 100.0), (70.0, 98.0), 20.0)).astype(np.int32)
        cv2.fillPoly(img, [card], 190)
        cv2.ellipse(img, (int(card[0][0]), int(card[0][1])), bite, 0, 0, 360, 60, -1)
        frame = cv2.boxPoints(((100.0, 104.0), (34.0, 48.0), 20.0)).astype(np.int32)
        cv2.fillPoly(img, [frame], 70)
        panel = cv2.boxPoints(((100.0, 104.0), (22.0, 31.0), 20.0)).astype(np.int32)
        cv2.fillPoly(img, [panel], 250)
        quads = find_cards(img, 300)
        assert len(quads) == 1
        x0, y0, x1, y1 = quads[0].box()
        assert x1 - x0 > 90 and y1 - y0 > 110, bite  # the card, not the panel


def test_fast_paths_give_the_reference_values() -> None:
    """`_order_box`, `_extent` and `cut_patches` are the reference functions' values, bit for bit."""
    import cv2

    from ggpgfx.cards.locate import Quad, _extent, _homography, _order_box, cut_patches

    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (300, 400), dtype=np.uint8)
    quads = []
    for _ in range(300):
        w = float(rng.uniform(2, 120))
        rect = ((float(rng.uniform(0, 400)), float(rng.uniform(0, 300))), (w, w * float(rng.uniform(1.15, 1.8))),
                float(rng.uniform(-90, 90)))
        if rng.random() < 0.5:
            rect = (rect[0], rect[1][::-1], rect[2])
        points = cv2.boxPoints(rect)
        assert np.array_equal(_order_box(points), order_corners(points))
        quad = Quad(_order_box(points), 1.0)
        assert _extent(quad.corners) == (*quad.box(), *quad.centre())
        assert quad.box() == tuple(float(v) for v in (*quad.corners.min(axis=0), *quad.corners.max(axis=0)))
        quads.append(quad)
    views = [image, image[5:, 7:]] * 3
    reference = np.stack([cv2.warpPerspective(v, _homography(np.roll(q.corners, -2 * k, axis=0)), (PATCH_W, PATCH_H),
                                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                          for v, q in zip(views, quads, strict=False) for k in (0, 1)])
    assert np.array_equal(cut_patches(views, quads[:6]), reference)
    assert np.array_equal(corner_patches(image, [quads[0], quads[2]], (1,)), reference[[1, 5]])


def test_refined_corners_are_the_reference_intersections() -> None:
    """`refine_quad` intersects neighbouring edge lines in Python floats: the numpy-row formula's values."""
    import cv2

    from ggpgfx.cards.locate import _edge_lines

    rng = np.random.default_rng(8)
    images = [make_scene(rng, ["As", "Td", "7c", "Kh"], style_names(True)[:1], ("felt",), 640, 480,
                         perspective=0.3).image for _ in range(6)]
    compared = 0
    for image, quad in ((im, q) for im in images for q in find_cards(im, 300.0)):
        refined = refine_quad(image, quad)
        if refined is quad:
            continue
        c = quad.corners
        width = float(np.linalg.norm(c[1] - c[0]))
        pad = int(max(4.0, 0.12 * width))
        x0, y0 = max(0, int(c[:, 0].min()) - pad), max(0, int(c[:, 1].min()) - pad)
        x1, y1 = min(640, int(c[:, 0].max()) + pad + 1), min(480, int(c[:, 1].max()) + pad + 1)
        _, mask = cv2.threshold(image[y0:y1, x0:x1], quad.level, 255, cv2.THRESH_BINARY)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        points = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
        lines = _edge_lines(points, c.astype(np.float64) - (x0, y0), max(2.0, 0.06 * width))
        assert lines is not None
        reference = np.empty((4, 2), np.float32)
        for i in range(4):
            p, r, q, s = lines[0][i - 1], lines[1][i - 1], lines[0][i], lines[1][i]
            t = float((q - p)[0] * s[1] - (q - p)[1] * s[0]) / float(r[0] * s[1] - r[1] * s[0])
            reference[i] = p + t * r + (x0, y0)
        assert np.array_equal(refined.corners, reference)
        compared += 1
    assert compared >= 4, compared
