"""The YAML snippets in docs/cards.md are real: the zones file loads and the graph validates."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ggpgfx.api import Graph
from ggpgfx.cards.detector import load_zones

DOC = Path(__file__).resolve().parents[2] / "docs" / "cards.md"


def test_yaml_snippets() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    zones = [b for b in blocks if b.startswith("cameras:")]
    graphs = [b for b in blocks if b.startswith("name:")]
    assert len(zones) == 1 and len(graphs) == 1
    loaded = load_zones(yaml.safe_load(zones[0])["cameras"]["overhead"])
    assert [z.name for z in loaded] == ["seat1", "board"] and loaded[0].bounds == (880, 860, 1040, 990)
    resolved = Graph.from_yaml(graphs[0], str(DOC)).validate()
    assert {n.cls.type_name for n in resolved.nodes.values()} >= {"ingest.table_sim", "ingest.rfid", "detect.cards",
                                                                   "detect.fuse", "rules.poker"}
