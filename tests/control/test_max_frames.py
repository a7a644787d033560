"""`ggp run --max-frames N` counts the video source's frames: a source without video (ingest.operator,
ingest.rfid: their ticks are polls) runs until the video sources have ended, then ends too."""

from __future__ import annotations

import time
from typing import Any

from ggpgfx.api import Graph
from ggpgfx.graph.node import Node, Port, register_node
from ggpgfx.graph.registry import get_node_type


class Poller(Node):
    """A source without video that polls every millisecond, like ingest.operator tailing its journal."""

    type_name = "test.poller"
    outputs = {"out": Port(object)}

    def setup(self) -> None:
        self.ticks = 0
        self.last_tick = 0.0

    def tick(self) -> bool:
        time.sleep(0.001)
        self.ticks += 1
        self.last_tick = time.monotonic()
        return True


def _graph() -> Any:
    if get_node_type("test.poller") is None:
        register_node(Poller)
    g = Graph("max-frames-live", realtime=True, fps=30)
    g.add("ingest.test_pattern", id="camera", width=64, height=48)
    g.add("test.poller", id="poller")
    g.add("sink.collect", id="frames")
    g.add("sink.null", id="polls")
    g.connect("camera.video", "frames.inp")
    g.connect("poller.out", "polls.inp")
    return g


def test_max_frames_counts_video_frames_and_pollers_run_until_they_end() -> None:
    began = time.monotonic()
    result = _graph().run(max_frames=30)  # 1 s of video at 30 fps; 30 polls would end in ~30 ms
    assert result.error is None
    assert len(result.collected("frames")) == 30
    poller = result.instances["poller"]
    assert poller.ticks > 100, f"the poller stopped after {poller.ticks} polls, before the video ended"
    assert poller.last_tick - began >= 0.9  # it listened for the whole second of video
    assert time.monotonic() - began < 15  # and ended with it


def test_ingest_operator_listens_while_the_camera_runs(tmp_path: Any) -> None:
    from control_helpers import NEW_HAND, Client

    from ggpgfx.control.live import start_live

    g = Graph("max-frames-operator", realtime=True, fps=30)
    g.add("ingest.test_pattern", id="camera", width=64, height=48)
    g.add("ingest.operator", id="op", journal=str(tmp_path / "journal.jsonl"), poll_s=0.001)
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.null", id="frames")
    g.add("sink.collect", id="states")
    g.connect("camera.video", "frames.inp")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "states.inp")
    live = start_live(g.validate(), max_frames=90)
    try:
        Client(live).ok("new_hand", NEW_HAND)
        result = live.handle.wait(30)
        assert result is not None, "the run did not end when the camera's frames were done"
    finally:
        live.stop(timeout=10)
    states = result.collected("states")
    assert states and states[-1].hand_number == 1 and len(states[-1].seats) == 3
