"""`test.game_events`: a source of numbered GameEvents with stable keys (publish.events tests)."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict

from ggpgfx.graph.node import Node, Port, register_node
from ggpgfx.poker.messages import GameEvent


@register_node
class GameEventSource(Node):
    """Emit `count` GameEvents keyed table-1/<hand>/<index>, optionally slowly (to be killed mid-stream)."""

    type_name = "test.game_events"
    outputs = {"events": Port(GameEvent)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int = 100
        interval_s: float = 0.0

    def setup(self) -> None:
        self.index = 0

    def tick(self) -> bool:
        if self.index >= self.params.count:
            return False
        i = self.index
        event = GameEvent(key=f"table-1/{i // 10}/{i % 10}", kind="bet", hand_number=i // 10, pts=i * 1000,
                          seat=i % 9 + 1, amount=100 + i)
        self.emit("events", event, pts=i * 1000)
        self.index += 1
        if self.params.interval_s:
            time.sleep(self.params.interval_s)
        return True
