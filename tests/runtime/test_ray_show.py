"""A show of N tables on Ray: show files, dealing tables over raylets, one table's crash spares the others."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from ggpgfx.errors import ConfigError
from ggpgfx.runtime.local import RunOptions
from ggpgfx.runtime.ray_cluster import ClusterView, RayNodeInfo
from ggpgfx.runtime.ray_show import ShowRunner, deal_tables, load_show, table_graphs

TABLE = """\
name: mini-table
settings: {realtime: true}
nodes:
  src: {type: test.counter, params: {count: 40, step_us: 25000}}
  sink: {type: sink.collect}
edges:
  - src.out -> sink.inp
"""


def _show(tmp_path: Path, tables: int, extra: str = "") -> Path:
    (tmp_path / "table.yaml").write_text(TABLE)
    show = tmp_path / "show.yaml"
    show.write_text(f"name: mini-show\ntable: table.yaml\ntables: {tables}\n"
                    "per_table:\n  src: {offset_us: \"{n}000\"}\n" + extra)
    return show


def test_show_file_makes_one_renamed_graph_per_table_with_its_overrides(tmp_path: Path) -> None:
    spec = load_show(_show(tmp_path, 2), tables=3)
    graphs = table_graphs(spec)
    assert [g.name for g in graphs] == ["mini-table-t1", "mini-table-t2", "mini-table-t3"]
    assert [g.nodes["src"].params.offset_us for g in graphs] == [1000, 2000, 3000]


def test_repo_show_file_resolves(tmp_path: Path) -> None:
    spec = load_show(Path(__file__).parents[2] / "graphs" / "show.yaml", tables=2)
    graphs = table_graphs(spec)
    assert len(graphs) == 2 and graphs[0].nodes["mp4"].params.path != graphs[1].nodes["mp4"].params.path


@pytest.mark.parametrize("body, words", [
    ("table: table.yaml\ntables: 0\n", "whole number >= 1"),
    ("table: table.yaml\ntables: 2\ncolour: red\n", "unknown key(s) colour"),
    ("tables: 2\n", "'table' must name"),
    ("table: table.yaml\nper_table: {nope: {a: 1}}\n", "does not have"),
])
def test_bad_show_files_get_clear_errors(tmp_path: Path, body: str, words: str) -> None:
    (tmp_path / "table.yaml").write_text(TABLE)
    show = tmp_path / "bad.yaml"
    show.write_text(body)
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        table_graphs(load_show(show))


def test_tables_are_dealt_by_cpus_per_table() -> None:
    cluster = ClusterView([RayNodeInfo("head", "h", {"CPU": 2.0}, True), RayNodeInfo("w1", "a", {"CPU": 1.0}),
                           RayNodeInfo("w2", "b", {"CPU": 1.0}), RayNodeInfo("ctl", "c", {"rfid": 1.0})])
    placed = deal_tables(4, cluster)
    assert sorted(n for n, _ in placed) == ["head", "head", "w1", "w2"]
    assert all(abs(budget - 1.0) < 1e-9 for _, budget in placed)
    placed = deal_tables(5, cluster)  # the fifth goes where a table keeps the most CPU: 2/3 on the head
    assert [n for n, _ in placed].count("head") == 3
    assert {n: round(b, 3) for n, b in placed} == {"head": 0.667, "w1": 1.0, "w2": 1.0}
    with pytest.raises(ConfigError, match="no node with CPUs"):
        deal_tables(1, ClusterView([RayNodeInfo("ctl", "c", {"rfid": 1.0})]))


@pytest.mark.ray
def test_one_tables_crash_does_not_stop_the_others(ray_session: Any, tmp_path: Path) -> None:
    runner = ShowRunner("mini-show", table_graphs(load_show(_show(tmp_path, 3))), RunOptions())
    runner.start()
    victim = runner.executors[1]
    deadline = time.monotonic() + 60
    while (not victim.placement or victim.stats(refresh=True).get("sink", {}).get("messages_in", 0) < 5) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = next(iter(victim.placement.values()))["pid"]
    assert victim.stats(refresh=True)["sink"]["messages_in"] < 40, "the table ended before the kill"
    os.kill(pid, signal.SIGKILL)
    result = runner.wait(90)
    assert result is not None
    assert result.failed == [2]
    assert "died" in str(result.tables[1].error)
    for i in (0, 2):  # the other tables ran to their end, every message in order
        assert result.tables[i].error is None
        assert result.tables[i].collected("sink") == list(range(40))
