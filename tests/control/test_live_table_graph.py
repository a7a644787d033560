"""graphs/live_table.yaml runs headless: RFID simulator + operator over REST -> rules -> overlay -> H.264 -> file."""

from __future__ import annotations

import time
from pathlib import Path

import av
import pytest
import yaml
from control_helpers import NEW_HAND, Client

from ggpgfx.control.live import start_live
from ggpgfx.graph.load import load_graph
from ggpgfx.rfid.simulator import ReaderSimulator, SimulatorConfig

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.network
def test_live_table_graph_runs_headless_driven_over_rest(tmp_path: Path) -> None:
    sim = ReaderSimulator(SimulatorConfig(max_hands=1, speed=4)).start()
    graph = yaml.safe_load((REPO / "graphs" / "live_table.yaml").read_text())
    params = {name: node.setdefault("params", {}) for name, node in graph["nodes"].items()}
    params["camera"].update(width=320, height=180)
    params["rfid"]["source"] = f"tcp://127.0.0.1:{sim.port}"
    params["rules"].update(phh_path=str(tmp_path / "hands.phhs"), equity=False)
    params["record"]["path"] = str(tmp_path / "live.mp4")
    params["preview"]["port"] = 0
    params["console"]["journal"] = str(tmp_path / "journal.jsonl")
    (tmp_path / "live.yaml").write_text(yaml.safe_dump(graph))
    live = start_live(load_graph(tmp_path / "live.yaml"))
    try:
        client = Client(live)
        client.ok("new_hand", NEW_HAND)
        client.ok("bet", {"seat": 3, "amount": 400})
        client.ok("fold", {"seat": 1})
        client.ok("fold", {"seat": 2})
        assert client.state()["street"] == "complete"
        health: dict = {}
        for _ in range(100):  # bounded: about 10 s
            health = client.http.get("/control/v1/health").json()
            if health["encoder_fps"] and health["recording"]:
                break
            time.sleep(0.1)
        assert health["encoder_fps"] > 0 and health["recording"] is True and health["rfid"] == "ok"
        assert health["errors"] == []
        time.sleep(0.5)
    finally:
        result = live.stop(timeout=20)
        sim.stop()
    assert result is not None and result.error is None
    hands = (tmp_path / "hands.phhs").read_text()
    assert "[1]" in hands  # the operator's hand reached rules.poker and finished there
    with av.open(str(tmp_path / "live.mp4")) as container:
        assert container.streams.video[0].frames > 10 or sum(1 for _ in container.demux(video=0)) > 10
