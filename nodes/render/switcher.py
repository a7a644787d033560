"""render.switcher: a vision mixer with director rules (acting player, board on all-ins, manual override)."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.errors import ConfigError, NodeError
from ggpgfx.graph.node import Message, Node, Port, Resources, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import OperatorAction, TableState

CAMERAS = ("cam1", "cam2", "cam3", "cam4", "cam5", "cam6", "board")
SHOWDOWN_STREETS = ("flop", "turn", "river", "showdown")


def dissolve(outgoing: VideoFrame, incoming: VideoFrame, mix: float) -> VideoFrame:
    """A new frame `mix` of the way from outgoing to incoming (0..1), plane by plane in uint16."""
    weight = int(round(max(0.0, min(1.0, mix)) * 256))
    planes = []
    for old, new in zip(outgoing.planes, incoming.planes, strict=True):
        acc = new.astype(np.uint16) * weight
        acc += old.astype(np.uint16) * (256 - weight)
        acc += 128
        planes.append((acc >> 8).astype(np.uint8))
    return VideoFrame(planes, incoming.format, incoming.width, incoming.height, incoming.pts, incoming.device,
                      dict(incoming.meta))


@register_node
class Switcher(Node):
    """Pick one of several cameras by director rules, with a cut or a dissolve between them."""

    type_name = "render.switcher"
    inputs = {
        **{name: Port(VideoFrame, required=False, doc=f"camera '{name}'") for name in CAMERAS},
        "state": Port(TableState, policy="latest", required=False, doc="table state for the director rules"),
        "actions": Port(OperatorAction, required=False, doc="operator actions; kind 'camera' overrides"),
    }
    outputs = {"video": Port(VideoFrame, doc="program output")}
    resources = Resources(cpu=0.5)

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        default: str = Field("cam1", description="the wide shot when no rule applies")
        seat_cameras: dict[int, str] = Field(default_factory=dict, description="seat number -> camera input")
        board_camera: str | None = Field("board", description="camera for all-ins; None disables the rule")
        follow_action: bool = Field(True, description="cut to the camera of the player to act")
        transition: str = Field("cut", pattern="^(cut|dissolve)$")
        dissolve_ms: int = Field(400, ge=0, le=5000)
        min_hold_ms: int = Field(0, ge=0, le=60_000, description="keep a shot at least this long (automatic rules)")

    def setup(self) -> None:
        """Check the camera names and start on the default camera."""
        p = self.params
        for name in [p.default, *p.seat_cameras.values(), *([p.board_camera] if p.board_camera else [])]:
            if name not in CAMERAS:
                raise ConfigError(f"{self.id}: unknown camera {name!r}; inputs are {', '.join(CAMERAS)}")
        self.current = p.default
        self.previous: str | None = None
        self.cut_pts = 0
        self.override: str | None = None
        self.last: dict[str, VideoFrame] = {}
        self.cuts: list[tuple[int, str]] = []
        self.emitted_pts: int | None = None
        self.late_frames = 0  # frames not newer than the program's last one (cameras are not in lockstep)

    def choose(self, state: TableState | None) -> str:
        """The camera the rules want now: manual override, board on an all-in, the actor's camera, default."""
        p = self.params
        if self.override:
            return self.override
        if state is not None and p.board_camera:
            live = [s for s in state.seats if s.status in ("active", "all_in")]
            # action is over and someone is all in: the run-out is the story
            if len(live) >= 2 and any(s.status == "all_in" for s in live) and state.to_act is None \
                    and state.street in SHOWDOWN_STREETS + ("preflop",):
                return p.board_camera
        if state is not None and p.follow_action and state.to_act is not None:
            return p.seat_cameras.get(state.to_act, p.default)
        return p.default

    def _switch(self, target: str, pts: int, forced: bool) -> None:
        if target == self.current:
            return
        if not forced and pts - self.cut_pts < self.params.min_hold_ms * 1000:
            return
        self.previous, self.current, self.cut_pts = self.current, target, pts
        self.cuts.append((pts, target))

    def process(self, port: str, msg: Message) -> None:
        """Take operator overrides; on a frame of the program camera, emit it (dissolving if mid-transition)."""
        if port == "actions":
            action: OperatorAction = msg.payload
            if action.kind == "camera":
                wanted = action.camera
                if wanted in (None, "", "auto"):
                    self.override = None
                elif wanted not in CAMERAS:
                    self.log.warning("%s: operator asked for unknown camera %r", self.id, wanted)
                else:
                    self.override = wanted
                    self._switch(wanted, msg.pts, forced=True)
            return
        frame: VideoFrame = msg.payload
        self.last[port] = frame
        self._switch(self.choose(self.latest("state")), msg.pts, forced=self.override is not None)
        if port != self.current:
            if self.current not in self.last and port == self.params.default:
                # chosen camera silent so far: stay on the wide shot, labelled as what it is
                self._program(self._tagged(frame, port), msg.pts)
            return
        self._program(self._tagged(self._mix(frame, msg.pts)), msg.pts)

    def _program(self, frame: VideoFrame, pts: int) -> None:
        """Emit on the program output only when newer than its last frame: encoders need rising pts."""
        if self.emitted_pts is not None and pts <= self.emitted_pts:
            self.late_frames += 1
            return
        self.emitted_pts = pts
        self.emit("video", frame)

    def _tagged(self, frame: VideoFrame, camera: str | None = None) -> VideoFrame:
        """The frame with meta['camera'] set (default: the camera on air), sharing planes (the input frame may be
        shared by other nodes)."""
        return VideoFrame(frame.planes, frame.format, frame.width, frame.height, frame.pts, frame.device,
                          {**frame.meta, "camera": camera or self.current})

    def _mix(self, frame: VideoFrame, pts: int) -> VideoFrame:
        p = self.params
        outgoing = self.last.get(self.previous) if self.previous else None
        elapsed = (pts - self.cut_pts) / 1000
        if p.transition != "dissolve" or outgoing is None or elapsed >= p.dissolve_ms or p.dissolve_ms == 0:
            return frame
        if (outgoing.width, outgoing.height, outgoing.format) != (frame.width, frame.height, frame.format):
            raise NodeError(self.id, f"dissolve needs cameras of one size and format: {self.previous} is "
                            f"{outgoing.format} {outgoing.width}x{outgoing.height}, {self.current} is "
                            f"{frame.format} {frame.width}x{frame.height}", pts)
        return dissolve(outgoing, frame, elapsed / p.dissolve_ms)
