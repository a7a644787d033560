"""Which reader parses a skin is decided by where its file is (issue #21 start-up): the skins shipped in the
package go through libyaml, a tenant's skin through the bounded reader, whatever name reaches it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import ggpgfx.graph.load
from ggpgfx.errors import ConfigError
from ggpgfx.graph.load import load_data
from ggpgfx.render.skins import SKINS_ROOT, is_bundled, load_skin

#: nesting libyaml accepts and the bounded reader refuses
DEEP = "name: deep\ntitle: Deep\nextends: broadcast\nextra: " + "[" * 80 + "]" * 80 + "\n"


@pytest.fixture(autouse=True)
def fresh_skins() -> None:
    load_skin.cache_clear()


def test_bundled_skins_read_the_same_through_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(SKINS_ROOT.glob("*/skin.yaml"))
    assert len(files) >= 2 and all(is_bundled(file) for file in files)
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == load_data(text, str(file))

    def refuse(text: str, file: str) -> None:
        raise AssertionError(f"bundled skin {file} went through the bounded reader")

    monkeypatch.setattr(ggpgfx.graph.load, "load_data", refuse)
    assert load_skin("minimal").name == "minimal"  # extends broadcast: both files bundled


def test_a_tenant_skin_keeps_the_bounded_reader(tmp_path: Path) -> None:
    custom = tmp_path / "deep"
    custom.mkdir()
    (custom / "skin.yaml").write_text(DEEP)
    assert not is_bundled(custom / "skin.yaml")
    with pytest.raises(ConfigError, match="nesting deeper than 64"):
        load_skin(str(custom))


def test_a_name_that_climbs_out_of_the_package_is_not_bundled(tmp_path: Path) -> None:
    """`SKINS_ROOT / "../../.."` starts with the package's path until it is resolved."""
    custom = tmp_path / "climb"
    custom.mkdir()
    (custom / "skin.yaml").write_text(DEEP)
    name = os.path.relpath(custom, SKINS_ROOT)
    assert name.startswith("..") and (SKINS_ROOT / name / "skin.yaml").is_file()
    assert not is_bundled(SKINS_ROOT / name / "skin.yaml")
    with pytest.raises(ConfigError, match="nesting deeper than 64"):
        load_skin(name)
