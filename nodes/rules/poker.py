"""rules.poker: the game brain as a node — card reads and operator actions in, TableState and events out."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import Device, OutputPath
from ggpgfx.graph.node import Message, Node, Port, Resources, register_node
from ggpgfx.poker.messages import GameEvent, OperatorAction, TableState
from ggpgfx.types import CardReads

if TYPE_CHECKING:  # the engine (pokerkit, Numba kernels) loads in setup: `ggp validate` stays fast
    from ggpgfx.poker.table_equity import EquitySpot, SpotAnswer



class EquityWorker:
    """Solves the newest equity spot on its own thread; older pending spots are simply replaced."""

    def __init__(self, trials: int, publish: Any, backend: str = "auto") -> None:
        self.trials = trials
        self.backend = backend  # the exact-equity backend: "auto" (Numba) or "cuda"
        self.publish = publish  # called as publish(answer) from the worker thread
        self._wanted: EquitySpot | None = None
        self._busy = False
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="ggp-equity", daemon=True)
        self._thread.start()

    def submit(self, spot: EquitySpot) -> None:
        """Ask for this spot (dropping any spot not started yet)."""
        with self._cond:
            self._wanted = spot
            self._cond.notify_all()

    def drain(self, timeout_s: float, log: logging.Logger | None = None) -> None:
        """Wait until nothing is pending or running (bounded); says so when that takes more than 2 s."""
        started = time.monotonic()
        deadline = started + timeout_s
        told = False
        with self._cond:
            while (self._wanted is not None or self._busy) and time.monotonic() < deadline:
                self._cond.wait(0.05)
                if not told and log is not None and time.monotonic() - started > 2.0:
                    told = True
                    log.info("waiting up to %.0f s for the last equity answer (on the first run after install "
                             "this includes compiling the equity kernels once; `scripts/install.sh` does that "
                             "ahead of time)", timeout_s)

    def stop(self) -> None:
        """End the thread (waits for a solve in progress, bounded)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from ggpgfx.poker.table_equity import solve

        while True:
            with self._cond:
                while self._wanted is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                spot, self._wanted, self._busy = self._wanted, None, True
            try:
                assert spot is not None
                self.publish(solve(spot, self.trials, backend=self.backend))
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


@register_node
class PokerRules(Node):
    """Track a poker table from card reads and operator actions; publish TableState and the event log."""

    type_name = "rules.poker"
    inputs = {
        "reads": Port(CardReads, required=False, doc="card reads (RFID, vision or simulator)"),
        "actions": Port(OperatorAction, required=False, doc="operator actions (Action Tracker or simulator)"),
    }
    outputs = {
        "state": Port(TableState, doc="the table after every change; equity arrives as a later version"),
        "events": Port(GameEvent, doc="every input as a logged game event (recording, Kafka)"),
    }

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        table: str = Field("table-1", description="table name carried in TableState and event keys")
        equity: bool = Field(True, description="compute equity and outs off the frame path")
        trials: int = Field(20_000, ge=100, description="Monte Carlo trials when a spot is too big to enumerate")
        phh_path: OutputPath | None = Field(None, description="append every finished hand to this .phhs file")
        drain_s: float = Field(120.0, ge=0, description="at end of stream, wait this long for the last equity answer "
                               "(the first answer after install includes compiling the kernels)")
        device: Device = Field("cpu", description="exact equity on: auto, cpu, cuda or cuda:N (the CUDA "
                                                  "enumeration; the CPU's Numba engine when CUDA is unavailable)")
        wait_for_equity: bool | None = Field(None, description="take the next read or action only once this "
                                             "spot's equity is out (default: in runs that are not real time, so an "
                                             "offline run is the same every time; up to drain_s per spot)")

    resources = Resources(cpu=1)

    def setup(self) -> None:
        """Start an empty tracker and the equity worker; load the equity code (Numba and its kernels) and the
        hand evaluator's tables now, before frames flow."""
        # on the first message instead, a live table stalled for seconds (issue #21): the message's _publish
        # waited on the import lock behind the worker thread's import, and the first hand description built
        # the evaluator tables when $GGP_HOME/cache had none yet
        import ggpgfx.poker.table_equity  # noqa: F401
        from ggpgfx.poker.tables import get_tables
        from ggpgfx.poker.tracker import TableTracker

        get_tables()

        self.tracker = TableTracker(self.params.table)
        self._state: TableState | None = None
        self._answer: SpotAnswer | None = None
        self._spot: EquitySpot | None = None  # the last spot handed to the worker
        self._state_spot: EquitySpot | None = None  # the spot of the last published state
        self._recorded: set[int] = set()
        self._conflicts: dict[int, int] = {}  # hand number -> conflicting reads counted
        self._submitted_at = 0.0  # when the pending spot went to the equity worker
        # Answers come back on the node's thread (call_soon), so table state has one writer.
        backend = "auto"
        if self.context.device.startswith("cuda"):
            import ggpgfx.operators_gpu.equity  # noqa: F401 - registers the "cuda" exact backend

            backend = "cuda"
        self.worker = EquityWorker(self.params.trials, lambda answer: self.call_soon(self._on_answer, answer),
                                   backend) if self.params.equity else None

    def process(self, port: str, msg: Message) -> None:
        """Apply reads or an action, emit the events and the new TableState, queue equity."""
        if port == "reads":
            rows = msg.payload.to_pylist() if hasattr(msg.payload, "to_pylist") else list(msg.payload)
            events = self.tracker.apply_reads(rows)
            self._count_conflicts()
        else:
            events = self.tracker.apply_action(msg.payload)
        for event in events:
            self.emit("events", event, pts=msg.pts)
        self._publish(msg.pts)
        self._record_hand()

    def _count_conflicts(self) -> None:
        """Card reads that contradict where a card lies (distinct per hand), as a node counter."""
        hand = self.tracker.hand
        book = getattr(hand, "book", None)
        if hand is None or book is None:
            return
        conflicts = sum(1 for flag in book.flags if flag.startswith("conflicting reads"))
        seen = self._conflicts.get(hand.setup.hand_number, 0)
        if conflicts > seen:
            self._conflicts[hand.setup.hand_number] = conflicts
            self.count_metric("card_read_conflicts", conflicts - seen)

    def _record_hand(self) -> None:
        """Append a hand to the PHH file once, when it finishes."""
        hand = self.tracker.hand
        if self.params.phh_path is None or hand is None or not hand.complete:
            return
        number = hand.setup.hand_number
        if number in self._recorded:
            return
        self._recorded.add(number)
        path = Path(self.params.phh_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        from ggpgfx.poker.phh import tracker_phh

        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"[{number}]\n{tracker_phh(self.tracker)}\n")

    def _publish(self, pts: int) -> None:
        """Emit the newest state, with the last equity answer when it is still about this spot."""
        from ggpgfx.poker.table_equity import spot_of, with_equity

        state = self.tracker.table_state().model_copy(update={"pts": pts})
        spot = spot_of(state, self.tracker.dead_cards())
        answer = self._answer if self._answer is not None and self._answer.spot == spot else None
        self._state = state.model_copy(update={"version": self._next_version()})
        self._state_spot = spot
        self.emit("state", with_equity(self._state, answer), pts=pts)
        if spot is not None and answer is None and spot != self._spot and self.worker is not None:
            self._spot = spot
            self._submitted_at = time.monotonic()
            self.worker.submit(spot)
            self.set_metric("equity_worker_pending", 1.0)
            wait = self.params.wait_for_equity
            if wait or (wait is None and not self.context.realtime):
                # flat out, the table would outrun the worker and most answers would come for a spot already gone
                self.wait_until(lambda: self._answer is not None and self._answer.spot == spot, self.params.drain_s)
        elif self._spot is not None and (self._answer is None or self._answer.spot != self._spot):
            # still waiting: the lag grows while the table moves
            self.set_metric("equity_worker_lag_seconds", time.monotonic() - self._submitted_at)

    def _next_version(self) -> int:
        self._version = getattr(self, "_version", 0) + 1
        return self._version

    def _on_answer(self, answer: SpotAnswer) -> None:
        from ggpgfx.poker.table_equity import with_equity

        self._answer = answer
        if answer.spot == self._spot:
            self.set_metric("equity_worker_lag_seconds", time.monotonic() - self._submitted_at)
            self.set_metric("equity_worker_pending", 0.0)
        state = self._state
        if state is None or self._state_spot != answer.spot:
            return  # the table moved on; a newer spot is queued
        self._state = state.model_copy(update={"version": self._next_version()})
        self.emit("state", with_equity(self._state, answer), pts=state.pts)

    def on_eos(self) -> None:
        """Let the last equity answer out before the outputs close (the runner delivers it after on_eos)."""
        if self.worker is not None:
            self.worker.drain(timeout_s=self.params.drain_s, log=self.log)

    def teardown(self) -> None:
        """Stop the equity worker."""
        if getattr(self, "worker", None) is not None:
            self.worker.stop()  # type: ignore[union-attr]

    def snapshot(self) -> Any | None:
        """The event log: replaying it restores the exact table."""
        return self.tracker.snapshot()

    def restore(self, state: Any) -> None:
        """Rebuild the table from a snapshot's event log."""
        from ggpgfx.poker.tracker import TableTracker

        self.tracker = TableTracker.restore(state, self.params.table)
