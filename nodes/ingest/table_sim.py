"""ingest.table_sim: a whole poker table without hardware — video, RFID-style card reads and operator actions."""

from __future__ import annotations

import heapq
import random
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggpgfx.cards.deck import get_style
from ggpgfx.cards.hands import plan_hands
from ggpgfx.cards.holecams import HoleCamWall
from ggpgfx.cards.scene import SceneRenderer, TableLayout
from ggpgfx.graph.fields import FilePath
from ggpgfx.graph.node import Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import OperatorAction, card_reads_table, load_card_reads
from ggpgfx.poker.phh_script import HAND_GAP_S, Step, Timing, build_script
from ggpgfx.types import CardReads


@register_node
class TableSim(Node):
    """Simulated table: yuv420p overhead video, the card reads an RFID table would give, and operator actions."""

    type_name = "ingest.table_sim"
    outputs = {
        "video": Port(VideoFrame, caps=VideoCaps("yuv420p"), doc="overhead table camera"),
        "reads": Port(CardReads, doc="card reads as an RFID table reports them (with injected faults)"),
        "actions": Port(OperatorAction, doc="operator actions (start_hand, bets, end_hand)"),
        "cameras": Port(VideoFrame, caps=VideoCaps("yuv420p"), doc="hole-card camera wall (when `hole_cams`)"),
    }

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        width: int = Field(1280, ge=320, le=3840)
        height: int = Field(720, ge=240, le=2160)
        fps: float | None = Field(None, gt=0, le=240, description="default: the graph's fps")
        source: Literal["phh", "random"] = Field("phh", description="replay PHH hands or play seeded random hands")
        hands: FilePath | None = Field(None, description="PHH/PHHS file; default: hands shipped with ggpgfx")
        max_hands: int | None = Field(None, ge=1, description="stop after this many hands (random: default 3)")
        players: int = Field(6, ge=2, le=10, description="players at a random table")
        game: str = Field("nlhe", description="game of random hands: a variant code with a PHH code (nlhe, flhe, "
                                              "plo, shortdeck); PHH hands carry their own")
        seed: int = 0
        style: str = Field("broadcast", description="deck style (see ggpgfx.cards.deck)")
        card_scale: float = Field(0.045, gt=0.01, le=0.12, description="card width as a fraction of frame width")
        action_interval_s: float = Field(1.0, gt=0)
        deal_interval_s: float = Field(0.1, gt=0)
        end_pause_s: float = Field(2.0, ge=0)
        muck_reads: bool = Field(True, description="folded cards are read again on the muck antenna")
        miss_rate: float = Field(0.0, ge=0, le=1, description="fraction of reads lost")
        duplicate_rate: float = Field(0.0, ge=0, le=1, description="fraction of reads sent twice")
        late_rate: float = Field(0.0, ge=0, le=1, description="fraction of reads delivered late")
        late_s: float = Field(0.5, ge=0, description="how late a late read arrives")
        hole_cams: bool = Field(False, description="also draw the hole-card camera wall on `cameras`")
        name_plates: bool = Field(True, description="draw name plates on the rail (off when an overlay shows names)")
        hole_cards: Literal["up", "down", "hidden"] = Field(
            "up", description="hole cards on the overhead view: face up (for vision tests), face down, or not drawn")
        cams_width: int = Field(1280, ge=320, le=3840, description="size of the hole-card camera wall")
        cams_height: int = Field(720, ge=180, le=2160)

        @field_validator("game")
        @classmethod
        def _known_game(cls, value: str) -> str:
            from ggpgfx.poker.variants import variant  # pokerkit loads only when a game is named

            return variant(value).code

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """Caps come straight from the params."""
        p: Any = params
        return {"video": VideoCaps("yuv420p", p.width, p.height),
                "cameras": VideoCaps("yuv420p", p.cams_width, p.cams_height)}

    def setup(self) -> None:
        """Load hands, lay out the table and draw the static scene once."""
        p = self.params
        if p.width % 2 or p.height % 2:
            raise ValueError(f"yuv420p needs an even width and height, got {p.width}x{p.height}")
        self.fps = p.fps or self.context.fps
        if self.output_used("reads"):
            load_card_reads()
        self.fault_rng = random.Random(p.seed + 7919)
        self.layout = TableLayout(p.width, p.height, p.card_scale)
        self.zones = [z.to_dict() for z in self.layout.zones()]
        self.scene = SceneRenderer(self.layout, get_style(p.style), seed=p.seed, name_plates=p.name_plates,
                                   hole_cards=p.hole_cards)
        self.wall: HoleCamWall | None = None
        if p.hole_cams:
            if p.cams_width % 2 or p.cams_height % 2:
                raise ValueError(f"yuv420p needs an even size, got cameras {p.cams_width}x{p.cams_height}")
            self.wall = HoleCamWall(p.cams_width, p.cams_height, get_style(p.style))
            self.wall_zones = [z.to_dict() for z in self.wall.zones()]
        self.timing = Timing(deal=p.deal_interval_s, action=p.action_interval_s, end_pause=p.end_pause_s)
        self.hands, self.rng = plan_hands(p.source, p.hands, p.max_hands, p.players, p.seed, p.game)
        self.hand_index = 0
        self.frame_index = 0
        self.hand_start_s = 0.0
        self.steps: list[Step] = []
        self.step_index = 0
        self.pending_reads: list[tuple[float, int, dict[str, Any]]] = []  # (due time s, order, row): heap
        self.order = 0
        self.truth_reads: list[dict[str, Any]] = []  # every read as it really happened (tests use this)
        self.truth_actions: list[OperatorAction] = []
        self._next_hand(0.0)

    def _next_hand(self, now: float) -> bool:
        if self.hand_index >= len(self.hands):
            return False
        history = self.hands[self.hand_index]
        self.hand_index += 1
        self.steps = build_script(history, self.hand_index, self.rng, self.timing, muck_reads=self.params.muck_reads)
        self.step_index = 0
        self.hand_start_s = now
        return True

    def _schedule_reads(self, reads: list[dict[str, Any]], now: float, pts: int) -> None:
        p, r = self.params, self.fault_rng
        for row in reads:
            truth = {**row, "pts": pts, "source": "sim", "confidence": 1.0, "tag_uid": ""}
            self.truth_reads.append(truth)
            if r.random() < p.miss_rate:
                continue
            due = now + (p.late_s if r.random() < p.late_rate else 0.0)
            copies = 2 if r.random() < p.duplicate_rate else 1
            for _ in range(copies):
                heapq.heappush(self.pending_reads, (due, self.order, truth))
                self.order += 1

    def tick(self) -> bool:
        """Advance one frame: apply due steps, emit due reads and actions, then the frame."""
        return self._advance(emit=True)

    def snapshot(self) -> Any | None:
        """The frame reached: the simulation is deterministic (seeded), so that is all it takes to resume."""
        return {"frame_index": self.frame_index}

    def restore(self, state: Any) -> None:
        """Replay the simulation silently up to the snapshot's frame, then go on from there."""
        target = int(state["frame_index"])
        while self.frame_index < target and self._advance(emit=False):
            pass

    def _advance(self, *, emit: bool) -> bool:
        now = self.frame_index / self.fps
        pts = round(now * 1_000_000)
        changed = False
        while self.step_index < len(self.steps) and self.hand_start_s + self.steps[self.step_index].t <= now:
            step = self.steps[self.step_index]
            self.step_index += 1
            for action in step.actions:
                action = action.model_copy(update={"pts": pts})
                self.truth_actions.append(action)
                if emit:
                    self.emit("actions", action, pts=pts)
            self._schedule_reads(step.reads, now, pts)
            self.scene.update(step.view)
            if self.wall is not None:
                self.wall.update(step.view)
            changed = True
            if self.step_index >= len(self.steps):
                self._next_hand(now + HAND_GAP_S)
        due_rows = []
        while self.pending_reads and self.pending_reads[0][0] <= now:
            due_rows.append(heapq.heappop(self.pending_reads)[2])
        if due_rows and emit:
            self.emit("reads", card_reads_table([{**row, "pts": pts} for row in due_rows]), pts=pts)
        if emit:
            self._emit_frames(pts, changed)
        self.frame_index += 1
        finished = self.step_index >= len(self.steps) and self.hand_index >= len(self.hands)
        return not (finished and not self.pending_reads)

    def _emit_frames(self, pts: int, changed: bool) -> None:
        width, height = self.params.width, self.params.height
        frame: VideoFrame
        if "video" in self.context.shared_outputs:
            # several consumers get every frame read-only anyway (a writer copies first, VideoFrame.writable) and
            # the scene's planes are new arrays at each change, never written after: every frame until the next
            # change shares them instead of copying 3 MB a frame at 1080p (#21)
            for plane in self.scene.planes:
                plane.flags.writeable = False
            frame = VideoFrame(list(self.scene.planes), "yuv420p", width, height, pts)
        else:
            # one consumer owns a fresh frame; drawn in the outgoing edge's shared-memory slot where that
            # consumer is another process
            frame = self.new_frame("video", width, height, "yuv420p", pts)
            for plane, source in zip(frame.planes, self.scene.planes, strict=True):
                np.copyto(plane, source)
        frame.meta.update(frame_index=self.frame_index, zones=self.zones, camera="overhead",
                          visible_cards=list(self.scene.visible), text_boxes=list(self.scene.text_boxes),
                          changed=changed)
        self.emit("video", frame, pts=pts)
        if self.wall is not None:
            cams: VideoFrame = self.new_frame("cameras", self.params.cams_width, self.params.cams_height, "yuv420p", pts)
            for plane, source in zip(cams.planes, self.wall.planes, strict=True):
                np.copyto(plane, source)
            cams.meta.update(frame_index=self.frame_index, zones=self.wall_zones, camera="holecams", changed=changed)
            self.emit("cameras", cams, pts=pts)
