"""The stock graphs under graphs/: all validate; the two-output graph runs and writes both feeds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import pytest
import yaml

from ggpgfx.graph.load import show_table

REPO = Path(__file__).resolve().parents[2]
GGP = str(Path(sys.executable).parent / "ggp")
GRAPHS = sorted(p.name for p in (REPO / "graphs").glob("*.yaml"))


@pytest.mark.parametrize("name", GRAPHS)
def test_stock_graph_validates(name: str) -> None:
    done = subprocess.run([GGP, "validate", str(REPO / "graphs" / name)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _video_reaches(graph: dict, start: str) -> set[str]:
    """Ids of the nodes a node's video reaches, following video edges downstream."""
    edges = [tuple(part.strip() for part in edge.split("->")) for edge in graph["edges"]]
    reached, todo = set(), [start]
    while todo:
        node = todo.pop()
        for src, dst in edges:
            if src.split(".")[0] == node and src.split(".")[1] in ("video", "out") and dst.split(".")[0] not in reached:
                reached.add(dst.split(".")[0])
                todo.append(dst.split(".")[0])
    return reached


@pytest.mark.parametrize("name", GRAPHS)
def test_stock_graphs_keep_the_table_camera_clean(name: str) -> None:
    # issue #22: the simulator's name plates ran under the overlay's players and its hole cards
    # showed on the venue feed
    path = REPO / "graphs" / name
    graph = yaml.safe_load((show_table(path) or path).read_text())  # a show file: its table graph
    for node_id, node in graph["nodes"].items():
        if node["type"] != "ingest.table_sim":
            continue
        params = node.get("params") or {}
        overlays = [graph["nodes"][n] for n in _video_reaches(graph, node_id)
                    if graph["nodes"][n]["type"] == "render.overlay"]
        if any((o.get("params") or {}).get("players", "auto") != "off" for o in overlays):
            assert params.get("name_plates") is False, f"{name}: {node_id} draws name plates under the overlay"
        for overlay in overlays:
            opts = overlay.get("params") or {}
            if opts.get("reveal") == "live":
                assert opts.get("venue_safe") is True, f"{name}: a reveal: live output is a venue output"
                assert params.get("hole_cards") in ("down", "hidden"), f"{name}: {node_id} shows hole cards"


def test_live_and_delayed_writes_both_feeds(tmp_path: Path) -> None:
    venue, broadcast = tmp_path / "venue.mp4", tmp_path / "broadcast.mp4"
    done = subprocess.run([GGP, "run", str(REPO / "graphs" / "live-and-delayed.yaml"), "--max-frames", "60",
                           "--set", f"venue.path={venue}", "--set", f"broadcast.path={broadcast}",
                           "--set", "delay.delay_s=0.5"],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for path in (venue, broadcast):
        with av.open(str(path)) as container:
            frames = sum(1 for _ in container.decode(video=0))
        assert frames >= 30, f"{path.name}: {frames} frames"
