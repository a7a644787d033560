"""rules.poker in a graph fed by the table simulator: states on every change, equity off the frame path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

from ggpgfx.api import Graph
from ggpgfx.graph.node import Node, Port, register_node
from ggpgfx.poker.equity import exact_equity
from ggpgfx.poker.messages import GameEvent, OperatorAction, TableState, card_reads_table
from ggpgfx.poker.phh import final_state, load_hands
from ggpgfx.poker.phh_script import hand_script
from ggpgfx.types import CardReads

WSOP = Path(__file__).parents[2] / "poker" / "data" / "wsop-2019-42-3-00-01-07.phh"


def _run(phh_path: Path | None = None, **sim: object) -> tuple[list[TableState], list[GameEvent]]:
    g = Graph("rules", fps=30)
    table = g.add("ingest.table_sim", id="sim", width=320, height=240, max_hands=1, action_interval_s=0.3,
                  deal_interval_s=0.05, **sim)
    game = g.add("rules.poker", id="game", trials=2000, phh_path=str(phh_path) if phh_path else None)
    states = g.add("sink.collect", id="states", limit=100_000)
    events = g.add("sink.collect", id="events", limit=100_000)
    table.reads >> game.reads
    table.actions >> game.actions
    game.state >> states.inp
    game.events >> events.inp
    result = g.run(max_frames=2000, realtime=False)
    return result.collected("states"), result.collected("events")


def test_wsop_hand_from_the_simulator(tmp_path: Path) -> None:
    states, events = _run(tmp_path / "hands.phhs")
    assert states and all(isinstance(s, TableState) for s in states)
    assert [s.version for s in states] == sorted({s.version for s in states}), "versions grow, never repeat"
    final = states[-1]
    assert final.street == "complete"
    assert not [f for f in final.flags if "ignored" in f or "rejected" in f or "conflict" in f], final.flags
    assert sum(s.stack for s in final.seats) == 72_075_000
    assert final.seat(1).stack == 18_100_000  # type: ignore[union-attr]  # Dan Matsuzuki's recorded finish
    assert {e.kind for e in events} >= {"hand_started", "card_seen", "action", "hand_ended"}
    assert len({e.key for e in events}) == len(events)
    recorded = load_hands(tmp_path / "hands.phhs")
    assert len(recorded) == 1 and list(final_state(recorded[0]).stacks)[0] == 18_100_000


@register_node
class ScriptSource(Node):
    """Play the first `steps` steps of the shipped WSOP hand (phh_script) as reads and actions."""

    type_name = "testpoker.script"
    outputs = {"reads": Port(CardReads), "actions": Port(OperatorAction)}

    class Params(BaseModel):
        steps: int = 10_000

    def setup(self) -> None:
        self.steps = hand_script(WSOP)[: self.params.steps]

    def tick(self) -> bool:
        if not self.steps:
            return False
        step = self.steps.pop(0)
        if step.action is not None:
            self.emit("actions", step.action, pts=step.pts)
        else:
            self.emit("reads", card_reads_table([step.read or {}]), pts=step.pts)
        return bool(self.steps)


def test_equity_and_outs_arrive_as_a_later_version() -> None:
    steps = hand_script(WSOP)
    turn = next(i for i, s in enumerate(steps) if s.read and s.read["zone"] == "board" and s.read["card"] == "6c")
    g = Graph("equity", realtime=False)
    source = g.add("testpoker.script", id="src", steps=turn + 1)  # stop with the turn card on the table
    game = g.add("rules.poker", id="game", trials=2000)
    sink = g.add("sink.collect", id="states")
    source.reads >> game.reads
    source.actions >> game.actions
    game.state >> sink.inp
    states = g.run().collected("states")
    last = states[-1]
    assert last.board == ["Th", "Jc", "5h", "6c"] and last.equity_method == "exact"
    live = [s for s in last.seats if s.status == "active"]
    assert len(live) == 3 and abs(sum(s.equity_win + s.equity_tie for s in live) - 1) < 0.2  # type: ignore[operator]
    exact = exact_equity(["".join(s.hole_cards) for s in live], "".join(last.board), dead="".join(
        c for s in last.seats if s.status == "folded" for c in s.hole_cards))
    assert [s.equity_win for s in live] == exact.win
    assert [s.version for s in states] == sorted(s.version for s in states)


def test_equity_on_the_device_equals_the_cpu_engine(fake_cuda: None) -> None:
    steps = hand_script(WSOP)
    flop = next(i for i, s in enumerate(steps) if s.read and s.read["zone"] == "board" and s.read["card"] == "5h")
    states = {}
    for device in ("cpu", "cuda"):
        g = Graph("equity-device", realtime=False)
        source = g.add("testpoker.script", id="src", steps=flop + 1)
        game = g.add("rules.poker", id="game", trials=2000, device=device)
        sink = g.add("sink.collect", id="states")
        source.reads >> game.reads
        source.actions >> game.actions
        game.state >> sink.inp
        result = g.run()
        assert result.instances["game"].context.device == ("cuda:0" if device == "cuda" else "cpu")
        assert result.instances["game"].worker.backend == ("cuda" if device == "cuda" else "auto")
        states[device] = result.collected("states")[-1]
    cpu, gpu = states["cpu"], states["cuda"]
    assert gpu.board == ["Th", "Jc", "5h"] and gpu.equity_method == cpu.equity_method
    # the torch enumeration (standing in for CUDA here) counts exactly what the Numba engine counts
    assert [(s.equity_win, s.equity_tie) for s in gpu.seats] == [(s.equity_win, s.equity_tie) for s in cpu.seats]
    assert any(s.equity_win for s in gpu.seats)


def test_faulty_reads_do_not_break_the_hand() -> None:
    states, _ = _run(duplicate_rate=0.3, late_rate=0.2, seed=3)
    final = states[-1]
    assert final.street == "complete" and sum(s.stack for s in final.seats) == 72_075_000


def test_setup_loads_the_equity_code_before_the_first_message() -> None:
    """The first message must not wait on the equity worker's import of Numba and its kernels, nor build the
    evaluator tables (seconds each, on a live table's frame path)."""
    probe = ("import sys\nfrom ggpgfx.api import Graph\n"
             "g = Graph('setup', fps=30)\n"
             "table = g.add('ingest.table_sim', id='sim', width=320, height=240, max_hands=1)\n"
             "game = g.add('rules.poker', id='game', equity=False)\n"
             "sink = g.add('sink.collect', id='states')\n"
             "table.actions >> game.actions\ngame.state >> sink.inp\n"
             "result = g.run(max_frames=0, realtime=False)\n"
             "from ggpgfx.poker import tables\n"
             "print('loaded', 'ggpgfx.poker.table_equity' in sys.modules, tables._TABLES is not None,\n"
             "      len(result.collected('states')))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "loaded True True 0"  # loaded although no message came
