"""The tournament elements in a second language (leaderboard, chip strip, clock, field bug, payouts,
elimination, profile card), and the on-air audit reading them in that language."""

from __future__ import annotations

import dataclasses

import pytest

from ggpgfx.render import i18n
from ggpgfx.render.audit import check_tournament_texts
from ggpgfx.render.draw import Drawn
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.scene import Scene
from ggpgfx.tournament.samples import sample_tournament
from ggpgfx.tournament.state import GraphicsCues, TournamentState

ALL = {"leaderboard": True, "chip_strip": True, "clock": True, "field": True, "payouts": True, "profile": "p3"}


def _drawn(state: TournamentState, lang: str) -> tuple[Scene, list[tuple[str, Drawn]]]:
    scene = Scene(OverlayOptions(animate=False, lang=lang), 1920, 1080)
    scene.set_tournament(state, 0)
    placed = scene.update(None, 0)
    return scene, list(scene.drawn(placed, 0))


def _texts(drawn: list[tuple[str, Drawn]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, item in drawn:
        if item.kind == "text":
            out.setdefault(name, []).append(item.value)
    return out


@pytest.mark.parametrize("cues", [ALL, {"elimination": "p27", "clock": True, "field": True}])
def test_tournament_elements_in_spanish_and_the_audit_reads_them(cues: dict[str, object]) -> None:
    state = sample_tournament(27, 8, graphics=GraphicsCues(**cues))  # type: ignore[arg-type]
    scenes, drawn = {}, {}
    for lang in ("en", "es"):
        scenes[lang], drawn[lang] = _drawn(state, lang)
        assert check_tournament_texts(drawn[lang], scenes[lang]) == [], lang
    english, spanish = _texts(drawn["en"]), _texts(drawn["es"])
    assert english.keys() == spanish.keys() and english != spanish
    joined = " | ".join(v for values in spanish.values() for v in values)
    assert "NIVEL " in joined and "JUGADORES" in joined and "PROMEDIO" in joined
    if "elimination" in cues:
        assert any(v.startswith("ELIMINADO EN ") and v.endswith(".º PUESTO") for v in spanish["elimination"])
    else:
        assert "FICHAS" in spanish["tournament_leaderboard"] and "PREMIOS" in spanish["payouts"]
        assert any(v.startswith("QUEDAN ") for v in spanish["tournament_leaderboard"])
        assert any(" EN FICHAS DE " in v for v in spanish["profile_card"])
        assert all(i18n.read_ordinal(v.split("-")[0], "es") for v in spanish["payouts"] if v.endswith(".º"))
    # the check is not vacuous: the Spanish drawing read as English, and the English one read as Spanish, fail
    assert check_tournament_texts(drawn["es"], scenes["en"])
    assert check_tournament_texts(drawn["en"], scenes["es"])


def test_the_audit_catches_a_wrong_place_in_spanish() -> None:
    state = sample_tournament(27, 8, graphics=GraphicsCues(elimination="p27"))
    scene, drawn = _drawn(state, "es")
    wrong = [(name, dataclasses.replace(item, value="ELIMINADO EN 3.º PUESTO")
              if name == "elimination" and item.role == "place" else item) for name, item in drawn]
    found = check_tournament_texts(wrong, scene)
    assert [f.element for f in found] == ["elimination"] and "finished" in found[0].message


def test_ordinals_and_phrases_read_back() -> None:
    for lang in ("en", "es"):
        for place in (1, 2, 3, 11, 19, 22, 101):
            assert i18n.read_ordinal(i18n.ordinal(place, lang), lang) == place
        text = i18n.phrase("CHIP RANK {rank} OF {count}", lang, rank=3, count=18)
        match = i18n.phrase_pattern("CHIP RANK {rank} OF {count}", lang).fullmatch(text)
        assert match is not None and (match["rank"], match["count"]) == ("3", "18")
    assert i18n.ordinal(22, "en") == "22ND" and i18n.ordinal(22, "es") == "22.º"
