"""ingest.operator: live operator input (console, Companion, scripts) as OperatorActions, from the control journal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.control.journal import JournalReader, journal_path
from ggpgfx.graph.fields import OutputPath
from ggpgfx.graph.node import Node, Port, Resources, register_node
from ggpgfx.poker.messages import OperatorAction


@register_node
class OperatorIngest(Node):
    """Emit every action the control server accepted, exactly once, in order; its snapshot is the journal cursor.

    The control server (started by `ggp run` for a graph with this node) judges each request against
    its replica of the table and appends the accepted ones to the journal before it acknowledges them;
    this node tails that journal. It is its own source, so operator input never waits behind video.
    """

    type_name = "ingest.operator"
    outputs = {
        "actions": Port(OperatorAction, doc="hand set-up, betting, cards typed by the operator, corrections, "
                                            "graphics cues (feed rules.poker's `actions`)"),
    }
    resources = Resources(cpu=0.1)

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        table: str = Field("table-1", description="table name in the control protocol (`/control/v1/tables/NAME`)")
        journal: OutputPath | None = Field(None, description="journal file; default: GGP_HOME/control/<graph>/<node id>.jsonl")
        poll_s: float = Field(0.005, gt=0, le=1.0, description="how often a reader in another process (a Ray "
                                                                "fragment) looks for new entries")
        idle_timeout_s: float | None = Field(None, gt=0, description="stop after this long without a new entry "
                                                                     "(default: run until the graph stops)")

    def journal_file(self) -> Path:
        """The journal this node reads."""
        if self.params.journal:
            return Path(self.params.journal)
        return journal_path(self.context.home, self.context.graph_name, self.id)

    def setup(self) -> None:
        """Open the journal at its start (restore moves the cursor)."""
        self.reader = JournalReader(self.journal_file())
        self.entries = 0
        self.started = time.monotonic()
        self.base_pts = 0
        self.last_entry = self.started

    def _pts(self) -> int:
        return self.base_pts + int((time.monotonic() - self.started) * 1_000_000)

    def tick(self) -> bool:
        """Emit the actions of every new journal entry; wait briefly when there is none."""
        entries = self.reader.read()
        if not entries:
            self.reader.wait(self.params.poll_s)
            entries = self.reader.read()
        now = time.monotonic()
        for entry in entries:
            pts = self._pts()
            for fields in entry.get("actions", []):
                self.emit("actions", OperatorAction(**{**fields, "pts": pts}), pts=pts)
            self.entries += 1
            self.last_entry = now
        timeout = self.params.idle_timeout_s
        return timeout is None or now - self.last_entry < timeout

    def snapshot(self) -> Any | None:
        """The journal cursor (and the clock), so a restarted fragment goes on from the next entry."""
        return {"offset": self.reader.offset, "entries": self.entries, "pts": self._pts()}

    def restore(self, state: Any) -> None:
        """Continue after the entries already emitted."""
        self.reader.offset = int(state["offset"])
        self.entries = int(state["entries"])
        self.base_pts = int(state["pts"])
        self.started = time.monotonic()
