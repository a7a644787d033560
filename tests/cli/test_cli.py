"""The `ggp` command as a user runs it: exit codes, one-line errors, outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def ggp(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess."""
    return subprocess.run([sys.executable, "-m", "ggpgfx.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_validate_ok_and_errors(tmp_path: Path) -> None:
    ok = ggp("validate", "graphs/test_pattern.yaml")
    assert ok.returncode == 0 and "ok" in ok.stdout
    graph = tmp_path / "ports.yaml"
    graph.write_text("name: ports\nnodes:\n  src: {type: ingest.test_pattern}\n  sink: {type: sink.null}\n"
                     "edges:\n  - src.vidoe -> sink.inp\n  - src.video -> sink.in\n")
    bad = ggp("validate", str(graph))
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2 and ":6:5: error:" in lines[0] and ":7:5: error:" in lines[1]
    assert "Traceback" not in bad.stderr


def test_run_with_set_and_stats_json(tmp_path: Path) -> None:
    stats = tmp_path / "s.json"
    proc = ggp("run", "graphs/test_pattern.yaml", "--no-realtime", "--set", "bars.width=320",
               "--set", "bars.height=240", "--max-frames", "12", "--stats-json", str(stats))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(stats.read_text())
    assert data["nodes"]["stats"]["messages_in"] == 12 and data["error"] is None


def test_run_bad_set_and_bad_file_are_one_line_errors(tmp_path: Path) -> None:
    proc = ggp("run", "graphs/test_pattern.yaml", "--set", "bars.width=wide")
    assert proc.returncode == 2
    assert "param 'width' = 'wide'" in proc.stderr and "Traceback" not in proc.stderr
    missing = ggp("run", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "graph file not found" in missing.stderr
    nonode = ggp("run", "graphs/test_pattern.yaml", "--set", "nosuch.width=3")
    assert nonode.returncode == 2 and "no node 'nosuch'" in nonode.stderr


def test_a_bad_option_of_any_command_is_a_usage_error_not_an_internal_one() -> None:
    # typer 0.17+ raises its own copy of click's exceptions: they fell through to "internal error", exit 70
    for argv in (("audit", "-o", "x", "graphs/demo.yaml"), ("cards", "evaluate", "--bogus"), ("validate",)):
        proc = ggp(*argv)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
        assert "Usage: " in proc.stderr and "Try " in proc.stderr, proc.stderr


def test_node_error_is_one_line_with_node_and_pts(tmp_path: Path) -> None:
    graph = tmp_path / "odd.yaml"
    graph.write_text("name: odd\nnodes:\n  bars: {type: ingest.test_pattern, params: {width: 321}}\n"
                     "  sink: {type: sink.null}\nedges: [bars.video -> sink.inp]\n")
    proc = ggp("run", str(graph), "--no-realtime")
    assert proc.returncode == 1
    assert "error: node 'bars': ValueError: yuv420p needs an even width and height" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_nodes_json_and_schema() -> None:
    nodes = json.loads(ggp("nodes", "--json").stdout)
    names = {n["type"] for n in nodes["nodes"]}
    assert {"ingest.test_pattern", "sink.null", "util.passthrough"} <= names
    schema = json.loads(ggp("schema").stdout)
    assert schema["title"] == "ggpgfx graph" and "nodes" in schema["properties"]


def test_show_text_and_dot() -> None:
    text = ggp("show", "graphs/test_pattern.yaml").stdout
    assert "bars [ingest.test_pattern]" in text and "yuv420p 1280x720" in text
    dot = ggp("show", "graphs/test_pattern.yaml", "--format", "dot").stdout
    assert dot.startswith('digraph "test-pattern"') and '"bars" -> "fwd"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_show_svg() -> None:
    svg = ggp("show", "graphs/test_pattern.yaml", "--format", "svg")
    assert svg.returncode == 0 and "<svg" in svg.stdout


def test_unknown_executor_is_clear() -> None:
    proc = ggp("run", "graphs/test_pattern.yaml", "--executor", "gpu-magic")
    assert proc.returncode == 2 and "unknown executor 'gpu-magic'" in proc.stderr
