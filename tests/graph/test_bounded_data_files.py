"""Tenant data files beside graphs (card zones, skins, a show's table graph) go through the bounded readers:
an alias bomb or deep nesting is one clear error, never a RecursionError or minutes of CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggpgfx.errors import ConfigError, GgpError
from ggpgfx.graph.load import load_data, load_json

BOMB = "\n".join(['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'] + [
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]" for p, n in zip("abcdefg", "bcdefgh", strict=True)]) + "\n"
DEEP_YAML = "x: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_JSON = '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"


def test_readers() -> None:
    assert load_data("a: [1, {b: c}]\n", "f.yaml") == {"a": [1, {"b": "c"}]}
    assert load_json('{"a": [1, {"b": "c"}]}', "f.json") == {"a": [1, {"b": "c"}]}
    with pytest.raises(ConfigError, match=r"f.yaml:\d+:\d+: error: .*more than 100000 values"):
        load_data(BOMB, "f.yaml")
    with pytest.raises(ConfigError, match="nesting deeper than 64"):
        load_data(DEEP_YAML, "f.yaml")
    with pytest.raises(ConfigError, match="f.json: nesting deeper than 64"):
        load_json(DEEP_JSON, "f.json")
    with pytest.raises(ConfigError, match="f.json: nesting deeper than 64"):
        load_json('{"x": ' + "[" * 200 + "]" * 200 + "}", "f.json")  # within Python's limit, past ours
    with pytest.raises(ConfigError, match="f.json: invalid JSON"):
        load_json('{"x": ', "f.json")


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("zones.yaml", BOMB, "more than 100000 values"),
    ("zones.yaml", DEEP_YAML, "nesting deeper than 64"),
    ("zones.json", DEEP_JSON, "nesting deeper than 64"),
])
def test_card_zone_files(tmp_path: Path, name: str, text: str, problem: str) -> None:
    from ggpgfx.cards.detector import load_zones

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_zones(path)


@pytest.mark.parametrize(("text", "problem"), [(BOMB, "more than 100000 values"),
                                               (DEEP_YAML, "nesting deeper than 64")])
def test_skin_folders(tmp_path: Path, text: str, problem: str) -> None:
    from ggpgfx.render.skins import load_skin

    (tmp_path / "skin.yaml").write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_skin(str(tmp_path))


@pytest.mark.parametrize(("text", "problem"), [(BOMB, "more than 100000 values"),
                                               (DEEP_YAML, "nesting deeper than 64")])
def test_a_shows_table_graph(tmp_path: Path, text: str, problem: str) -> None:
    from ggpgfx.runtime.ray_show import load_show, table_graphs

    (tmp_path / "table.yaml").write_text(text)
    (tmp_path / "show.yaml").write_text("table: table.yaml\ntables: 2\n")
    with pytest.raises(GgpError, match=problem):
        table_graphs(load_show(tmp_path / "show.yaml"))
