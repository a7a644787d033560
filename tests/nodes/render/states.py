"""A test-only source of sample TableStates (`test.table_states`), shared by the render node tests."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ggpgfx.graph.node import Node, Port, register_node
from ggpgfx.graph.registry import get_node_type
from ggpgfx.poker.messages import TableState
from ggpgfx.render.samples import sample_state


class TableStates(Node):
    """Emit named sample states (ggpgfx.render.samples), one every `interval_us`, then stop."""

    type_name = "test.table_states"
    outputs = {"state": Port(TableState)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        samples: list[str] = ["allin"]
        interval_us: int = 100_000
        to_act: list[int | None] | None = None

    def setup(self) -> None:
        self.index = 0

    def tick(self) -> bool:
        p = self.params
        if self.index >= len(p.samples):
            return False
        state = sample_state(p.samples[self.index])
        if p.to_act is not None:
            state.to_act = p.to_act[self.index]
        self.emit("state", state, pts=self.index * p.interval_us)
        self.index += 1
        return True


def ensure_registered() -> None:
    """Register the node type once per process."""
    if get_node_type(TableStates.type_name) is None:
        register_node(TableStates)
