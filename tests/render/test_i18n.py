"""The overlay's fixed words in a second language (`lang: es`): translations, glyphs in the bundled fonts,
and a render that draws them."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont
from pydantic import ValidationError

from ggpgfx.errors import ConfigError
from ggpgfx.poker.evaluator import hand_label
from ggpgfx.poker.tables import get_tables
from ggpgfx.render import i18n
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene
from ggpgfx.render.skins import load_skin
from ggpgfx.render.still import render_image


def test_hand_labels_and_actions_in_spanish() -> None:
    assert i18n.hand("Pair of Queens", "es") == "Pareja de reinas"
    assert i18n.hand("Two Pair, Kings and Sevens", "es") == "Doble pareja, reyes y sietes"
    assert i18n.hand("Full House, Aces full of Twos", "es") == "Full de ases y doses"
    assert i18n.hand("Flush, Ace high", "es") == "Color al as"
    assert i18n.hand("Straight Flush, King high", "es") == "Escalera de color al rey"
    assert i18n.hand("Three of a Kind, Nines", "es") == "Trío de nueves"
    assert i18n.hand("Royal Flush", "es") == "Escalera real"
    assert i18n.hand("Flush, Ten high / 8-6-4-2-A low", "es") == "Color al diez / 8-6-4-2-A bajo"
    assert i18n.hand("Pair of Queens", "en") == "Pair of Queens"
    assert i18n.action("Raise to 1,150,000", "es") == "Sube a 1,150,000"
    assert i18n.action("Call 50,000", "es") == "Iguala 50,000"
    assert i18n.action("FOLD", "es") == "No va" and i18n.action("ALL IN", "es") == "All in"
    assert i18n.action("Wins 8,450,000", "es") == "Gana 8,450,000"
    assert i18n.action("Checkmate", "es") == "Checkmate"  # only whole words
    assert i18n.word("POT", "es") == "BOTE" and i18n.word("PRE-FLOP", "es") == "PREFLOP"
    assert i18n.word("A ticker label of the operator", "es") == "A ticker label of the operator"


def test_every_hand_label_the_evaluator_makes_is_translated() -> None:
    """Every value class of the evaluator's labels comes out in Spanish (no English word left)."""
    tables = get_tables()
    english = {"Pair", "Two", "House", "Flush", "Straight", "High", "Card", "Kind", "of", "and", "high"}
    values = {int(v) for v in tables.rank_values} | {int(v) for v in tables.flush_values}
    labels = {hand_label(v) for v in values if v}
    assert len(labels) > 50
    for label in labels:
        spanish = i18n.hand(label, "es")
        assert spanish != label and not english & set(spanish.replace(",", "").split()), (label, spanish)


@pytest.mark.parametrize("skin", ["broadcast", "minimal"])
def test_every_spanish_word_has_glyphs_in_the_skin_fonts(skin: str) -> None:
    loaded = load_skin(skin)
    for style in ("bold", "regular"):
        cmap = TTFont(str(loaded.font_path(style))).getBestCmap()
        missing = {ch for text in i18n.all_words("es") for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not missing, f"{skin} {style}: no glyph for {sorted(missing)}"


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"'ko' is not available: use one of en \(English\), es \(Español\)"):
        i18n.check_lang("ko")
    with pytest.raises(ValidationError, match="not available"):
        OverlayOptions(lang="ko")


def test_a_render_in_spanish_draws_the_spanish_words() -> None:
    texts = {}
    for lang in ("en", "es"):
        options = OverlayOptions(skin="broadcast", animate=False, ticker="noticias", ticker_label="LIVE", lang=lang)
        scene = Scene(options, 1280, 720)
        assert scene.images(sample_state("allin"), 0)
        texts[lang] = " | ".join(d.value for element in scene.elements.values() for d in element.record
                                 if d.kind == "text")
    spanish, english = texts["es"], texts["en"]
    assert "BOTE" in spanish and "FLOP" in spanish and "MANO 43" in spanish and "EN DIRECTO" in spanish
    assert "Pareja de reinas" in spanish and "IGUALA" in spanish and "NO VA" in spanish
    assert "POT" in english and "Pair of Queens" in english and "HAND 43" in english and "CALL" in english
    assert "POT " not in spanish and "Pair of" not in spanish and "HAND" not in spanish
    # the picture too: a still in Spanish differs from the English one
    assert render_image(sample_state("allin"), "broadcast", (640, 360), lang="es").tobytes() != \
        render_image(sample_state("allin"), "broadcast", (640, 360)).tobytes()


@pytest.mark.parametrize("name", ["preflop", "allin", "showdown"])
def test_the_audit_reads_a_spanish_overlay(name: str) -> None:
    """The on-air audit compares what was drawn with the state in the output's language: a Spanish overlay
    passes, and the same drawing read as English fails (so the check is not vacuous)."""
    from ggpgfx.render.audit import check_values

    state = sample_state(name)
    drawn = {}
    scenes = {}
    for lang in ("en", "es"):
        scene = scenes[lang] = Scene(OverlayOptions(skin="broadcast", animate=False, lang=lang), 1280, 720)
        scene.images(state, 0)
        drawn[lang] = [(element, d) for element, shown in scene.elements.items() for d in shown.record]
        assert check_values(drawn[lang], state, scene) == [], lang
    assert check_values(drawn["es"], state, scenes["en"])


def test_names_in_capitals_drop_greek_accents_only() -> None:
    from ggpgfx.render.i18n import caps
    from ggpgfx.render.layout import Layout
    from ggpgfx.render.skins import load_skin

    assert caps("Ναταλία Ἀλέξανδρος") == "ΝΑΤΑΛΙΑ ΑΛΕΞΑΝΔΡΟΣ"  # was ΝΑΤΑΛΊΑ: Greek capitals take no tonos
    assert caps("ΐ") == "Ϊ"  # the dialytika stays
    assert caps("Jérôme Ødegård") == "JÉRÔME ØDEGÅRD" and caps("Ольга") == "ОЛЬГА"
    broadcast = Layout(load_skin("broadcast"), 1280, 720)
    assert broadcast.skin.uppercase_names and broadcast.name("Ναταλία") == "ΝΑΤΑΛΙΑ"
