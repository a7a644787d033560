"""ingest.operator: emits each journaled entry's actions once, in order; its snapshot is the journal cursor."""

from __future__ import annotations

from pathlib import Path

from ggpgfx.nodes.ingest.operator import OperatorIngest

from ggpgfx.api import Graph
from ggpgfx.control.journal import JournalWriter
from ggpgfx.graph.node import NodeContext
from ggpgfx.testing import NodeHarness


def _entries(path: Path, kinds: list[list[str]]) -> None:
    writer = JournalWriter(path)
    for number, entry_kinds in enumerate(kinds, start=1):
        writer.append({"id": f"r{number}", "version": number, "actions": [{"kind": k} for k in entry_kinds]})
    writer.close()


def test_every_journal_entry_reaches_the_graph_in_order(tmp_path: Path) -> None:
    journal = tmp_path / "table.jsonl"
    _entries(journal, [["misdeal"], ["undo", "undo"], ["end_hand"]])
    g = Graph("operator", realtime=True)
    g.add("ingest.operator", id="op", journal=str(journal), idle_timeout_s=0.3)
    g.add("sink.collect", id="sink")
    g.connect("op.actions", "sink.inp")
    actions = g.run().collected("sink")
    assert [a.kind for a in actions] == ["misdeal", "undo", "undo", "end_hand"]
    assert [a.pts for a in actions] == sorted(a.pts for a in actions)


def test_restore_goes_on_after_the_entries_already_emitted(tmp_path: Path) -> None:
    journal = tmp_path / "table.jsonl"
    _entries(journal, [["misdeal"], ["end_hand"]])
    first = NodeHarness(OperatorIngest, {"journal": str(journal)})
    first.tick()
    saved = first.node.snapshot()
    _entries(journal, [["tag"]])  # accepted after the snapshot
    second = NodeHarness(OperatorIngest, {"journal": str(journal)})
    second.node.restore(saved)
    second.tick()
    assert [a.kind for a in first.take("actions")] == ["misdeal", "end_hand"]
    assert [a.kind for a in second.take("actions")] == ["tag"]
    assert second.node.snapshot()["entries"] == 3


def test_default_journal_lives_under_the_home_by_graph_and_node(tmp_path: Path) -> None:
    node = OperatorIngest("op", OperatorIngest.Params(), NodeContext(graph_name="show", node_id="op", home=tmp_path))
    assert node.journal_file() == tmp_path / "control" / "show" / "op.jsonl"
