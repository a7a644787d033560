"""A graph run under a run policy with its own home (a platform tenant's storage): the control server writes
the journal where the graph's ingest.operator reads it, so the operator's actions reach rules.poker."""

from __future__ import annotations

import time

from control_helpers import NEW_HAND, Client

from ggpgfx.config import ggp_home
from ggpgfx.control.live import start_live
from ggpgfx.policy import prepare_graph, tenant_policy

GRAPH = """
name: policy-home
settings: {fps: 30, realtime: true}
nodes:
  console: {type: ingest.operator, params: {table: table-1}}
  rules: {type: rules.poker, params: {equity: false, drain_s: 0}}
  states: {type: sink.collect}
edges:
  - console.actions -> rules.actions
  - rules.state -> states.inp
"""


def test_actions_reach_the_graph_under_a_tenant_policy() -> None:
    policy = tenant_policy(ggp_home(), "org-policy-home", "pro", "producer")
    assert policy.home is not None and policy.home != ggp_home()
    resolved, diagnostics = prepare_graph(GRAPH, "graph.yaml", policy)
    assert diagnostics == []
    live = start_live(resolved)
    try:
        client = Client(live)
        client.ok("new_hand", NEW_HAND)
        client.ok("fold", {"seat": 3})
        deadline = time.monotonic() + 60
        while live.handle.stats()["states"]["messages_in"] < 2:
            assert time.monotonic() < deadline, "the operator's actions never reached rules.poker"
            time.sleep(0.02)
    finally:
        result = live.stop()
    assert result is not None and result.error is None
    final = result.collected("states")[-1]
    assert final.hand_number == 1 and final.seats[2].status == "folded"
    assert (policy.home / "control" / "policy-home" / "console.jsonl").exists()
