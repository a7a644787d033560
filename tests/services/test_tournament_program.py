"""A chip count entered through the platform's REST API changes the leaderboard in the program output: the graph
polls the platform, draws, encodes H.264 to a file; the decoded frames' leaderboard region is compared with the
region the renderer draws from the platform's own state before and after the change."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from svc_helpers import Org

pytestmark = [pytest.mark.network, pytest.mark.slow]  # ~25 s a backend: 8 s of real-time video plus start-up
W, H, FPS = 1280, 720, 30


@pytest.fixture
def served(settings: Any) -> Iterator[str]:
    """The platform app (every service in-process, the session's database) on a free port."""
    import uvicorn

    from ggpgfx.services.app import create_local_app

    server = uvicorn.Server(uvicorn.Config(create_local_app(settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the platform API did not start"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)


def _expected_rgb(state: Any) -> np.ndarray:
    """The program frame the renderer makes from a state: the test pattern with the overlay, as RGB."""
    from ggpgfx.media.frames import VideoFrame
    from ggpgfx.media.pattern import bars_planes
    from ggpgfx.render.composite import composite_layers
    from ggpgfx.render.options import OverlayOptions
    from ggpgfx.render.scene import Scene

    frame = VideoFrame(bars_planes(W, H, "yuv420p"), "yuv420p", W, H)
    scene = Scene(OverlayOptions(animate=False), W, H)
    scene.set_tournament(state, 0)
    composite_layers(frame, scene.layers(None, 0))
    video = av.VideoFrame.from_numpy_buffer(np.concatenate([p.reshape(-1) for p in frame.planes]).reshape(H * 3 // 2, W),
                                            format="yuv420p")
    return video.to_ndarray(format="rgb24").astype(np.int16)


def test_chip_count_reaches_the_program_output(client: Any, org_a: Org, served: str, tmp_path: Path) -> None:
    from ggpgfx.api import Graph
    from ggpgfx.render.layout import Layout
    from ggpgfx.render.skins import load_skin
    from ggpgfx.runtime.run import start_run
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
    g.add("ingest.tournament", id="event", url=f"{served}/api/v1/events/{event}/state", api_key=key, poll_s=0.1,
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

    lay = Layout(load_skin("broadcast"), W, H)
    x, y = lay.origin("tournament_leaderboard")
    w, row = lay.size("tournament_leaderboard")
    region = (slice(y, y + row * 4), slice(x, x + w))
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(np.int16)[region] for f in container.decode(video=0)]
    assert len(frames) >= 3 * FPS
    want_before, want_after = _expected_rgb(before)[region], _expected_rgb(after)[region]
    assert np.abs(want_before - want_after).mean() > 5  # the change is visible in that region

    def matches(got: np.ndarray, want: np.ndarray) -> bool:
        return bool(np.abs(got - want).mean() < 3.0)

    first_after = next((i for i, f in enumerate(frames) if matches(f, want_after)), None)
    assert first_after is not None, [round(float(np.abs(f - want_after).mean()), 2) for f in frames[::10]]
    assert matches(frames[first_after - 1], want_before), np.abs(frames[first_after - 1] - want_before).mean()
    assert all(matches(f, want_after) for f in frames[first_after:])  # and it stays
    assert first_after < len(frames) - 5  # shown before the end of the run
