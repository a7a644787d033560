"""A chip count entered through the platform's REST API changes the leaderboard in the program output: the graph
long-polls the platform, draws, encodes H.264 to a file; the decoded frames' leaderboard region is compared with the
region the renderer draws from the platform's own state before and after the change."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import Org

pytestmark = [pytest.mark.network, pytest.mark.slow]  # ~25 s a backend: 8 s of real-time video plus start-up
W, H, FPS = 1280, 720, 30


def test_chip_count_reaches_the_program_output(client: Any, org_a: Org, served: str, tmp_path: Path) -> None:
    from ggpgfx.api import Graph
    from ggpgfx.runtime.run import start_run
    from ggpgfx.testing import leaderboard_change
    from ggpgfx.tournament.state import parse_tournament_state

    op = org_a.headers["producer"]
    key = client.post("/api/v1/api-keys", json={"name": "graph", "role": "viewer"},
                      headers=org_a.headers["admin"]).json()["key"]
    event = client.post("/api/v1/events", json={"name": "Program Cup", "buy_in": 100}, headers=op).json()["id"]
    levels = {"levels": [{"small_blind": 100, "big_blind": 200, "duration_s": 900}]}
    assert client.put(f"/api/v1/events/{event}/structure", json=levels, headers=op).status_code == 200
    entries = {}
    for name, country, chips in (("Ann Lee", "KR", 30_000), ("Bo Park", "US", 20_000), ("Cy Ode", "DE", 10_000)):
        player = client.post("/api/v1/players", json={"name": name, "country": country}, headers=op).json()["id"]
        entries[name] = client.post(f"/api/v1/events/{event}/entries", json={"player_id": player},
                                    headers=op).json()["id"]
        assert client.put(f"/api/v1/events/{event}/entries/{entries[name]}/chips", json={"chips": chips},
                          headers=op).status_code == 200
    assert client.put(f"/api/v1/events/{event}/graphics", json={"leaderboard": True}, headers=op).status_code == 200
    before = parse_tournament_state(client.get(f"/api/v1/events/{event}/state", headers=op).content)

    out = tmp_path / "program.mp4"
    g = Graph("program", fps=FPS)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=8 * FPS, moving=False)
    g.add("ingest.tournament", id="event", url=f"{served}/api/v1/events/{event}/state", api_key=key,
          stop_after_s=8.0)
    g.add("render.overlay", id="gfx", animate=False)
    g.add("encode.h264", id="enc", preset="ultrafast", crf=12, keyint=30)
    g.add("publish.file", id="mp4", path=str(out))
    g.connect("cam.video", "gfx.video")
    g.connect("event.tournament", "gfx.tournament")
    g.connect("gfx.video", "enc.video")
    g.connect("enc.packets", "mp4.packets")
    handle = start_run(g.spec, realtime=True)
    deadline = time.monotonic() + 120

    def wait_for(node: str, count: int) -> int:
        while handle.status() == "running" and time.monotonic() < deadline:
            done = int(handle.stats()[node]["messages_out"])
            if done >= count:
                return done
            time.sleep(0.02)
        raise AssertionError(f"the graph ended before {node} sent {count} messages: {handle.wait(10)}")

    wait_for("event", 1)  # the graph has the state before the operator's entry
    wait_for("gfx", wait_for("gfx", 0) + FPS)  # and has shown it for a second
    # an operator enters a chip count: Cy Ode doubles up twice and leads
    assert client.put(f"/api/v1/events/{event}/entries/{entries['Cy Ode']}/chips", json={"chips": 45_000},
                      headers=op).status_code == 200
    after = parse_tournament_state(client.get(f"/api/v1/events/{event}/state", headers=op).content)
    result = handle.wait(60)
    assert result is not None and result.error is None
    assert [p.name for p in after.standings()][0] == "Cy Ode"

    change = leaderboard_change(str(out), before, after, W, H)
    assert change.frames >= 3 * FPS
    assert change.visible_change > 5  # the change is visible in that region
    assert change.first_after is not None, change.mismatch
    assert change.before_it_matches_before  # the previous frame still shows the state before
    assert change.stays  # and it stays
    assert change.first_after < change.frames - 5  # shown before the end of the run
