"""`ggp validate` on a show file checks the show and every table's graph (it is not a graph without nodes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GGP = str(Path(sys.executable).parent / "ggp")


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GGP, "validate", str(path)], capture_output=True, text=True, timeout=120)


def test_stock_show_validates() -> None:
    done = _validate(REPO / "graphs" / "show.yaml")
    assert done.returncode == 0, done.stderr
    assert "a show: 4 tables of demo.yaml" in done.stdout


def test_show_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "table.yaml").write_text((REPO / "graphs" / "test_pattern.yaml").read_text())
    cases = {"tables: 0": "'tables' must be a whole number >= 1",
             "per_table: {nope: {a: 1}}": "per_table names node(s) nope",
             "per_table: {bars: {no_such_param: 1}}": "unknown param 'no_such_param'"}
    for line, message in cases.items():
        show = tmp_path / "show.yaml"
        show.write_text(f"name: s\ntable: table.yaml\n{line}\n")
        done = _validate(show)
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
