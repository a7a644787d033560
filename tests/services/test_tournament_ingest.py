"""The graph's input from the real platform: `ingest.tournament` polls GET /api/v1/events/{id}/state of a
running platform app with an API key; a chip count entered through the API reaches the graph, and a
player's uploaded photo arrives as a local file the renderer can draw."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import Org

pytestmark = pytest.mark.network


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


def test_platform_state_reaches_the_graph_with_photos(client: Any, org_a: Org, served: str) -> None:
    from ggpgfx.nodes.ingest.tournament import TournamentIngest
    from PIL import Image

    from ggpgfx.testing import NodeHarness

    op = org_a.headers["producer"]
    key = client.post("/api/v1/api-keys", json={"name": "graph", "role": "viewer"},
                      headers=org_a.headers["admin"]).json()["key"]
    event = client.post("/api/v1/events", json={"name": "Ingest Cup", "buy_in": 100}, headers=op).json()["id"]
    levels = {"levels": [{"small_blind": 100, "big_blind": 200, "duration_s": 900}]}
    assert client.put(f"/api/v1/events/{event}/structure", json=levels, headers=op).status_code == 200
    assert client.post(f"/api/v1/events/{event}/clock", json={"action": "start"}, headers=op).status_code == 200
    player = client.post("/api/v1/players", json={"name": "Ingest Ida", "country": "NO"}, headers=op).json()["id"]
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), (250, 200, 0)).save(picture, format="PNG")
    assert client.post(f"/api/v1/players/{player}/photo", files={"file": ("i.png", picture.getvalue(), "image/png")},
                       data={"shape": "circle", "size": "96"}, headers=op).status_code == 200
    entry = client.post(f"/api/v1/events/{event}/entries", json={"player_id": player}, headers=op).json()["id"]

    harness = NodeHarness(TournamentIngest, {"url": f"{served}/api/v1/events/{event}/state", "api_key": key})
    try:
        harness.tick()
        (first,) = harness.take("tournament")
        ida = first.player(player)
        assert ida is not None and ida.chips == 20000 and ida.country == "NO"
        assert ida.photo is not None and Path(ida.photo).is_file()
        with Image.open(ida.photo) as photo:
            assert photo.size == (96, 96) and photo.getpixel((48, 48))[:3] == (250, 200, 0)
        assert first.clock is not None and first.clock.running
        harness.node.next_poll = 0.0
        harness.tick()
        assert harness.take("tournament") == []  # nothing changed: nothing emitted (the message is byte-stable)
        assert client.put(f"/api/v1/events/{event}/entries/{entry}/chips", json={"chips": 45500},
                          headers=op).status_code == 200
        harness.node.next_poll = 0.0
        harness.tick()
        (second,) = harness.take("tournament")
        ida = second.player(player)
        assert ida is not None and ida.chips == 45500 and second.version > first.version
        assert ida.photo == first.player(player).photo  # type: ignore[union-attr]  # fetched once
        folder = Path(ida.photo).parent  # type: ignore[arg-type]
    finally:
        harness.eos()
    assert not folder.exists()  # teardown removed the fetched photos
