"""`ggp audit`: every stock graph passes in both skins and every size, and each check can fail."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import ggpgfx.audit
from ggpgfx.audit import audit_graph

REPO = Path(__file__).resolve().parents[1]
GGP = str(Path(sys.executable).parent / "ggp")
GRAPHS = sorted(p.name for p in (REPO / "graphs").glob("*.yaml"))
FAST = {"max_frames": 330, "action_interval_s": 0.25}  # one whole hand, to the showdown, in ~11 s of media


@pytest.mark.parametrize("name", GRAPHS)
def test_every_stock_graph_passes_the_audit(name: str, tmp_path: Path) -> None:
    report = audit_graph(REPO / "graphs" / name, out_dir=tmp_path, **FAST)  # type: ignore[arg-type]
    for row in report.rows:
        assert row.ok, f"{name} {row.overlay} {row.skin} {row.aspect}: {row.first_failure[0].message}"
    if name != "test_pattern.yaml":
        assert {(r.skin, r.aspect) for r in report.rows} == {(s, a) for s in ("broadcast", "minimal")
                                                             for a in ("16:9", "16:9@1080", "9:16")}
        assert min(r.states for r in report.rows) >= 10
    assert not list(tmp_path.iterdir())


def test_name_plates_under_the_overlay_fail_with_a_picture(tmp_path: Path) -> None:
    # issue #22 (3): the simulator's plates ran under the player list and the board
    done = subprocess.run([GGP, "audit", str(REPO / "graphs" / "live-and-delayed.yaml"), "--skin", "minimal",
                           "--aspect", "16:9", "--max-frames", "90", "--set", "table.name_plates=true",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "160", "PATH": str(Path(sys.executable).parent)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "live-and-delayed.yaml: FAIL" in done.stdout and "covers text on the camera picture" in done.stdout
    assert "1280x720" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live-and-delayed-delayed_gfx-minimal-16x9.png",
                                                         "live-and-delayed-live_gfx-minimal-16x9.png"]


def test_a_venue_output_that_shows_hole_cards_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # issue #22 (2): with the camera's cards face up and nothing covering them, the venue feed shows them
    monkeypatch.setattr(ggpgfx.audit, "cover_seat_zones", lambda frame: 0)
    report = audit_graph(REPO / "graphs" / "live-and-delayed.yaml", skins=("minimal",), aspects=("16:9",),
                         out_dir=tmp_path, sets=[("table", "hole_cards", "up")], max_frames=90)
    venue = next(r for r in report.rows if r.overlay == "live_gfx")
    assert venue.venue_safe and venue.failures["hole_cards"] > 0 and venue.png is not None
    assert next(r for r in report.rows if r.overlay == "delayed_gfx").ok  # not venue-safe: not checked


def test_equity_counting_up_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # issue #22 (4): a percentage counted up from the last street's value was never true
    import ggpgfx.poker.table_equity as table_equity

    solve = table_equity.solve

    def slow_solve(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.2)  # an equity worker slower than the table, as under heavy load: the audit's flat-out run
        return solve(*args, **kwargs)  # used to outrun it, drop every answer and find no percentage to check

    monkeypatch.setattr(table_equity, "solve", slow_solve)
    skin = tmp_path / "counting"
    skin.mkdir()
    (skin / "skin.yaml").write_text("name: counting\ntitle: Counting\nextends: broadcast\n"
                                    "animation: {equity: count}\n")
    report = audit_graph(REPO / "graphs" / "demo.yaml", skins=(str(skin),), aspects=("16:9",),
                         out_dir=tmp_path / "out", **FAST)  # type: ignore[arg-type]
    assert report.rows[0].failures["values"] > 0
    assert "equity is" in " ".join(f.message for f in report.rows[0].first_failure)


@pytest.mark.parametrize(("args", "message"), [
    (["--aspect", "4:3"], "error: unknown aspect '4:3'; use 16:9, 16:9@1080, 9:16"),
    (["--skin", "neon"], "error: unknown skin 'neon'; known skins: broadcast, minimal (or a folder path with a skin.yaml)"),
    (["--set", "cam.width=640"], "error: --set cam.width: no node 'cam' in "),
])
def test_mistakes_are_one_line(args: list[str], message: str) -> None:
    done = subprocess.run([GGP, "audit", str(REPO / "graphs" / "demo.yaml"), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip().startswith(message), done.stderr
