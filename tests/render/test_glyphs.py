"""Characters the skin's font lacks (Chinese, Japanese, Korean names) are drawn in the bundled fallback font."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.render import draw, glyphs
from ggpgfx.render.skins import load_skin


def _face(size: int = 24):
    return draw.font(load_skin("broadcast").font_path("bold"), size)


def _pixels(value: str, anchor: str = "lm") -> np.ndarray:
    mask, _ = draw.text_mask(_face(), value, anchor)
    return np.asarray(mask)


def test_cjk_and_hangul_names_are_not_missing_glyph_boxes() -> None:
    face = _face()
    assert ord("周") not in glyphs.codepoints(str(face.path))  # the skin's DejaVu has none
    tofu = _pixels("\ue000\ue001\ue002")  # private-use characters: no font has them, so missing-glyph boxes
    for name in ("周润发", "김민수", "ひらがな"):
        drawn = _pixels(name)
        assert drawn.shape[1] > 0.8 * tofu.shape[1] and drawn.any()
        assert drawn.shape != tofu.shape or not np.array_equal(drawn, tofu)
    # each of three different characters draws differently (boxes would all be alike)
    singles = [_pixels(c) for c in "周润발"]
    assert len({(s.shape, s.tobytes()) for s in singles}) == 3


def test_a_mixed_name_is_drawn_in_two_fonts_on_one_baseline() -> None:
    face = _face()
    pieces = glyphs.runs(face, "周润发 Chow")
    assert [text for _, text in pieces] == ["周润发", " Chow"]
    assert pieces[0][0] is not face and pieces[1][0] is face
    assert draw.text_length(face, "周润发 Chow") == pytest.approx(glyphs.length(pieces))
    assert draw.text_length(face, "周润发 Chow") > draw.text_length(face, " Chow")


@pytest.mark.parametrize("anchor", ["lm", "mm", "rm", "la", "ls", "lt", "lb", "ld"])
def test_runs_place_text_where_pillow_would(anchor: str) -> None:
    # one run in the skin's font laid out by glyphs.mask lands where Pillow's own anchor puts it
    face = _face()
    value = "Jérôme Ødegård 1,250,000"
    ours, (dx, dy) = glyphs.mask([(face, value)], anchor)
    left, top, right, bottom = face.getbbox(value, anchor=anchor)
    assert abs(dx - left) <= 1 and abs(dy - top) <= 1
    assert abs(ours.width - (right - left)) <= 1 and abs(ours.height - (bottom - top)) <= 1


def test_text_the_skin_font_has_takes_the_usual_path() -> None:
    face = _face()
    assert glyphs.runs(face, "Ольга Jérôme") == [(face, "Ольга Jérôme")]
    assert glyphs.runs(face, "Daniel") == [(face, "Daniel")]
