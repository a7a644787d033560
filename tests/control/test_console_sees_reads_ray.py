"""Under `--executor ray`, card reads that reach rules.poker inside a fragment actor also reach the console's
replica on the driver (they travel in the answers to the executor's polls: no shared file system)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from control_helpers import NEW_HAND, Client, reads_graph
from pydantic import BaseModel, ConfigDict

from ggpgfx.control.live import start_live
from ggpgfx.graph.node import Node, Port
from ggpgfx.poker.messages import card_reads_table
from ggpgfx.types import CardReads

pytestmark = pytest.mark.ray


class FixedReads(Node):
    """An RFID reader that sees the cards in `rows` once, in one message each batch, then stays quiet."""

    type_name = "test.fixed_reads"
    outputs = {"reads": Port(CardReads)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        batches: list[list[dict[str, Any]]] = []

    def setup(self) -> None:
        self.sent = 0

    def tick(self) -> bool:
        if self.sent < len(self.params.batches):
            pts = int(time.monotonic() * 1e6)
            rows = [{**row, "pts": pts} for row in self.params.batches[self.sent]]
            self.emit("reads", card_reads_table(rows), pts=pts)
            self.sent += 1
        else:
            time.sleep(0.01)
        return True


def _wait(check: Any, what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def test_reads_in_a_ray_fragment_reach_the_console_replica(ray_session: Any) -> None:
    # one hole card a seat: no hand label, so the fragment never loads the evaluator's compiled kernels
    g = reads_graph("console-reads-ray", FixedReads, batches=[
        [{"zone": "seat", "seat": 1, "card": "Ah", "source": "rfid"}],
        [{"zone": "seat", "seat": 2, "card": "Qs", "source": "rfid"}]])
    live = start_live(g.validate(), executor="ray")
    try:
        executor = live.handle.executor
        assert hasattr(executor, "tap")
        _wait(lambda: executor.placement.get("rules") or any("rules" in p.get("devices", {})
                                                             for p in executor.placement.values()),
              "the rules fragment did not start")
        client = Client(live)
        version = client.ok("new_hand", NEW_HAND)  # the reads may come before it (early) or after: both count
        state = _wait(lambda: (s := client.state())["seats"][0]["hole_cards"] == ["Ah"]
                      and s["seats"][1]["hole_cards"] == ["Qs"] and s, "the RFID cards never reached the console")
        assert state["version"] == version  # reads are not requests
        typed = client.act("deal", {"seat": 3, "cards": ["Ah"]})  # the replica judges against the read cards
        assert typed.status_code == 409 and "Ah" in typed.json()["error"]["message"]
    finally:
        result = live.stop(timeout=60)
    assert result is not None and result.error is None, result and result.error
    final = result.collected("states")[-1]
    assert [s.hole_cards for s in final.seats] == [["Ah"], ["Qs"], []]


def test_the_journal_reaches_an_operator_fragment_without_a_shared_file_system(ray_session: Any, tmp_path: Any) -> None:
    """The fragment's GGP_HOME is another folder (another machine's disk): the driver ships the journal to it."""
    from control_helpers import live_graph

    from ggpgfx.config import ggp_home
    from ggpgfx.control.journal import journal_path

    worker_home = tmp_path / "worker-home"
    live = start_live(live_graph("journal-mirror").validate(), executor="ray",
                      executor_options={"worker_home": str(worker_home)})
    try:
        client = Client(live)
        client.ok("new_hand", NEW_HAND)
        client.ok("fold", {"seat": 3})
        client.ok("check_call", {"seat": 1})
        _wait(lambda: live.handle.stats().get("states", {}).get("messages_in", 0) >= 3,
              "the operator's actions never reached rules.poker in its fragment")
    finally:
        result = live.stop(timeout=60)
    assert result is not None and result.error is None, result and result.error
    final = result.collected("states")[-1]
    assert final.hand_number == 1 and final.to_act == 2 and [s.status for s in final.seats][2] == "folded"
    driver = journal_path(ggp_home(), "journal-mirror", "op")
    copy = journal_path(worker_home, "journal-mirror", "op")
    assert driver != copy and copy.read_bytes() == driver.read_bytes()
