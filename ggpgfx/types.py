"""Message and port types shared by node types: one home, so two nodes never define the same type twice.

Nodes import port types from here (or from the module that owns the payload class: `ggpgfx.media.frames`,
`ggpgfx.poker.messages`), never from another node's module.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from ggpgfx.graph.ports import ArrowTable
from ggpgfx.poker.messages import card_reads_schema, detections_schema

__all__ = ["CardReads", "DelayCountdown", "Detections"]

#: Card reads (RFID, vision, simulator): one row per card seen, with zone, seat, source and confidence.
CardReads = ArrowTable("CardReads", card_reads_schema)

#: Card detections of a vision model: boxes with labels and scores, before they become reads.
Detections = ArrowTable("Detections", detections_schema)


class DelayCountdown(BaseModel):
    """What viewers of the delayed feed see: seconds until it starts (`state` buffering), then live."""

    delay_s: float
    remaining_s: float
    state: Literal["buffering", "live", "ended"]
