"""render.overlay: the broadcast overlay (player boxes, board, pot, outs, leaderboard...) blended into yuv420p,
and the same graphics alone (fill + key, yuva420p or RGBA with alpha) on optional outputs, same pts."""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ggpgfx.graph.fields import Device
from ggpgfx.graph.node import Message, Node, Port, Resources, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import TableState
from ggpgfx.render import kernels
from ggpgfx.render.alpha import AlphaMode, GraphicsFormat, render_graphics
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.elements import element_types
from ggpgfx.render.layers import Layer
from ggpgfx.render.offpath import BackgroundRenderer
from ggpgfx.render.options import OverlayOptions, says_live
from ggpgfx.render.record import SceneCall
from ggpgfx.render.scene import Scene
from ggpgfx.render.skins import load_skin
from ggpgfx.render.venue import cover_seat_zones
from ggpgfx.runtime import devices
from ggpgfx.tournament.state import TournamentState
from ggpgfx.types import DelayCountdown


@register_node
class Overlay(Node):
    """Composite the broadcast overlay for the latest TableState into yuv420p video, in place."""

    type_name = "render.overlay"
    inputs = {
        "video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"), doc="program video (yuv420p)"),
        "state": Port(TableState, policy="latest", required=False, doc="table state to draw (newest wins)"),
        "countdown": Port(DelayCountdown, policy="latest", required=False,
                          doc="delay.secure countdown: drives the secure-delay badge"),
        "tournament": Port(TournamentState, policy="latest", required=False,
                           doc="tournament state (ingest.tournament): leaderboard, clock, field, payouts, cues"),
    }
    outputs = {
        "video": Port(VideoFrame, doc="video with the overlay"),
        "fill": Port(VideoFrame, caps=VideoCaps(format="yuv420p"),
                     doc="key & fill: the graphics alone over black (or straight colour, see fill_mode)"),
        "key": Port(VideoFrame, caps=VideoCaps(format="yuv420p"),
                    doc="key & fill: the graphics' alpha as luma (16 transparent .. 235 opaque)"),
        "graphics": Port(VideoFrame, doc="the graphics alone with alpha, as graphics_format says (yuva420p or rgba)"),
        "scene": Port(SceneCall, doc="the scene updates drawn (state changes by frame pts): what publish.studio "
                                     "records so `ggp studio render` redraws exactly these frames"),
    }
    resources = Resources(cpu=1)
    device_frames = True  # on CUDA, frames arrive and leave as device planes and the blend runs there

    class Params(OverlayOptions):
        """The overlay options plus `in_place` (set it false when the same video also feeds another branch)
        and `venue_safe` (an in-room output: no hole card in any layer, whatever the camera shows)."""

        in_place: bool = True
        fill_mode: AlphaMode = Field("premultiplied", description="fill output: premultiplied (over black, what "
                                     "a mixer's premultiplied key wants) or straight colour")
        graphics_format: GraphicsFormat = Field("yuva420p", description="graphics output: yuva420p (ProRes 4444, "
                                                "VP9 alpha) or rgba (PNG sequences)")
        graphics_alpha: AlphaMode = Field("straight", description="graphics output: straight colour (what "
                                          "alpha files and editors expect) or premultiplied")
        render_thread: Literal["auto", "on", "off"] = Field(
            "auto", description="draw state changes on a background thread; frames keep the last completed "
                                "drawing and never wait for one (auto: on in real-time runs, off offline, where "
                                "every frame shows the newest state)")
        device: Device = Field("cpu", description="where the blend runs: auto, cpu, cuda or cuda:N (the CPU, "
                                                  "saying so once, when CUDA is unavailable)")
        venue_safe: bool = Field(False, description="no hole card in any layer: needs reveal: live, and covers "
                                                    "the seat zones the camera frames declare")

        @model_validator(mode="after")
        def _venue_needs_live(self) -> Overlay.Params:
            if self.venue_safe and self.reveal != "live":
                raise ValueError(f"venue_safe: true needs reveal: live (got reveal: {self.reveal}); "
                                 "a venue output may only show cards tabled for everyone")
            return self

    @classmethod
    def graph_problems(cls, params: BaseModel, downstream: set[str]) -> list[str]:
        """A picture that airs through a secure delay is not live: its ticker may not say so."""
        label = str(getattr(params, "ticker_label", ""))
        if "delay.secure" in downstream and says_live(label):
            return [f"ticker_label {label!r}: this output airs through delay.secure, so it is not live "
                    "(set another label, or \"\" for none)"]
        return []

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """Like the camera video, except the graphics output's pixel format (yuva420p or rgba)."""
        caps = super().negotiate(params, input_caps)
        size = caps.get("graphics", VideoCaps())
        caps["graphics"] = VideoCaps(getattr(params, "graphics_format", "yuva420p"), size.width, size.height)
        return caps

    def setup(self) -> None:
        """Load the skin now so a bad skin name fails before the first frame. Numba's kernels load here only
        when the process has Numba already (a poker graph); otherwise frames start on the numpy twins and
        `render.kernels` loads Numba's when they pay."""
        load_skin(self.params.skin)
        # the element modules, imported on the first frame otherwise: ~0.1 s of the GIL once frames flow (#21)
        element_types()
        kernels.load_if_numba_is_loaded()
        self.scene: Scene | None = None
        self.renderer: BackgroundRenderer | None = None
        mode = self.params.render_thread
        self.off_path = mode == "on" or (mode == "auto" and self.context.realtime)
        #: not real time: frames take the state of their own time (the newest with pts <= the frame's), not the
        #: newest that arrived, so a file run faster than real time never draws a later state on earlier frames
        self.sync_pts = not self.context.realtime
        self.due: deque[tuple[int, TableState | None]] = deque()  # states not yet due (sync_pts), oldest first
        self.synced: TableState | None = None  # the newest state due by the last frame (sync_pts)
        self.last_pts = 0
        self.frames = 0
        self.render_ns = 0
        self.composite_ns = 0
        self.warned_zones = False
        self.alpha_ns = 0
        #: which of the graphics-alone outputs have a consumer (none: the node costs what it always did)
        self.alpha_outputs = [port for port in ("fill", "key", "graphics") if self.output_used(port)]
        self.program = self.output_used("video")
        self.recording = self.output_used("scene")
        self.calls = 0
        #: (state, tournament, countdown) of the last recorded frame: references, so a new state never looks old
        self.recorded: tuple[Any, ...] | None = None
        self.drawn_pts: int | None = None  # pts of the last frame whose layers were made (under the scene lock)
        self._composite = composite_layers
        if self.context.device.startswith("cuda"):
            from ggpgfx.operators_gpu.composite_gpu import LayerUploads, composite_layers_torch

            uploads = LayerUploads(devices.kernel_device(self.context.device))
            self._composite = lambda frame, layers: composite_layers_torch(frame, layers, uploads)

    def _scene_for(self, frame: VideoFrame) -> Scene:
        scene = self.scene
        if scene is None or (scene.layout.width, scene.layout.height) != (frame.width, frame.height):
            if self.renderer is not None:
                self.renderer.close()
                self.renderer = None
            scene = self.scene = Scene(self.params, frame.width, frame.height)
            if self.context.policy is not None:  # a seat photo is a file like a graph's own parameters
                policy = self.context.policy
                scene.photo_guard = lambda path: policy.check_path(path, "read")
            if self.off_path:
                # the state known now is drawn by the first frame itself; later ones in the background
                self.renderer = BackgroundRenderer(scene, self._state_now(), name=f"{self.id}-render")
                if self.recording:
                    self.renderer.on_wanted = self._record_wanted
        return scene

    def _state_now(self) -> TableState | None:
        """The state this node draws now: the newest that arrived, or (sync_pts) the newest due by the last frame."""
        return self.synced if self.sync_pts else self.latest("state")  # type: ignore[no-any-return]

    def _due_state(self, pts: int) -> TableState | None:
        """sync_pts: the newest state whose pts is at or before this frame's; later ones wait for their frames."""
        while self.due and self.due[0][0] <= pts:
            self.synced = self.due.popleft()[1]
        return self.synced

    def on_latest(self, port: str, msg: Message) -> None:
        """A new state: drawn in the background (off the frame path) or, offline, between frames; when frames
        take the state of their own time (sync_pts), a state of a later time waits for its first frame."""
        if port == "state" and self.sync_pts:
            self.due.append((msg.pts, msg.payload))
            if self.scene is None or msg.pts > self.last_pts:
                return
            self._due_state(self.last_pts)
        if self.scene is None or port not in ("state", "tournament"):
            return
        state = self._state_now() if port == "tournament" else msg.payload
        if port == "state" and self.sync_pts:
            state = self.synced
        if self.renderer is not None:
            if port == "tournament":  # rare: applied now; the elements it changes are drawn on the way
                with self.scene.lock:
                    self.scene.set_tournament(msg.payload, self.last_pts)
                    if self.recording:
                        self._record("between", self.last_pts, None, msg.payload, update=False)
            self.renderer.submit(state, self.last_pts)
            return
        started = time.perf_counter_ns()
        tournament = msg.payload if port == "tournament" else self.latest("tournament")
        self.scene.set_tournament(tournament, self.last_pts)
        self.scene.layers(state, self.last_pts)
        self.render_ns += time.perf_counter_ns() - started
        if self.recording:
            self._record("between", self.last_pts, state, tournament)
            self.recorded = None  # the next frame records its state even when it is this one

    def _record_wanted(self, state: TableState | None, pts: int) -> None:
        """The background renderer asked the scene (under its lock) what `state` wants: logged in order."""
        self._record("wanted", pts, state, None, after=self.drawn_pts)

    def _record(self, kind: str, pts: int, state: TableState | None, tournament: Any, update: bool = True,
                after: int | None = None, keep_clear: tuple[tuple[int, int, int, int], ...] | None = None) -> None:
        """Emit a SceneCall on `scene` (the first carries the options and the output size); with a background
        renderer, called under the scene lock, so call indexes follow the order the scene saw."""
        scene = self.scene
        first = self.calls == 0
        call = SceneCall(kind=kind, pts=pts, index=self.calls, state=state,  # type: ignore[arg-type]
                         tournament=tournament, update=update, after=after,
                         keep_clear=list(keep_clear) if keep_clear is not None else None,
                         countdown=scene.countdown if scene is not None else None,
                         options=OverlayOptions(**{k: getattr(self.params, k) for k in OverlayOptions.model_fields})
                         .model_dump(mode="json") if first else None,
                         size=(scene.layout.width, scene.layout.height) if first and scene is not None else None)
        self.calls += 1
        self.emit("scene", call, pts=pts)

    def _record_frame(self, scene: Scene, pts: int, state: TableState | None, tournament: Any) -> None:
        """Record the state, tournament and countdown this frame draws when one changed since the last frame."""
        recorded = self.recorded
        if recorded is None or recorded[0] is not state or recorded[1] is not tournament or \
                recorded[2] != scene.countdown or recorded[3] != scene.keep_clear:
            self.recorded = (state, tournament, scene.countdown, scene.keep_clear)
            self._record("frame", pts, state, tournament, keep_clear=scene.keep_clear)

    def process(self, port: str, msg: Message) -> None:
        """Blend this frame's layers into the frame's planes and pass it on."""
        if not self.program:  # graphics alone: the camera picture only sets size and time
            self._graphics_only(msg)
            return
        frame: VideoFrame = msg.payload.writable() if self.params.in_place else msg.payload.copy()
        if self.params.venue_safe and not cover_seat_zones(frame) and not self.warned_zones:
            self.warned_zones = True
            self.log.warning("venue_safe: the camera frames declare no seat zones; only the overlay is venue-safe")
        scene = self._scene_for(frame)
        self._camera(scene, frame)
        countdown = self.latest("countdown")
        if countdown is not None:
            scene.countdown = (getattr(countdown, "remaining_s", 0.0), getattr(countdown, "delay_s", 0.0))
        started = time.perf_counter_ns()
        layers = self._layers(scene, msg.pts)
        drawn = time.perf_counter_ns()
        self._composite(frame, layers)
        self.render_ns += drawn - started
        self.composite_ns += time.perf_counter_ns() - drawn
        self.last_pts = msg.pts
        self.frames += 1
        self.emit("video", frame)
        if self.alpha_outputs:
            self._emit_alpha(layers, frame.width, frame.height, msg.pts)

    def _camera(self, scene: Scene, frame: VideoFrame) -> None:
        """The board zone of the camera picture: the player boxes keep off it (only a change touches the scene)."""
        if frame.meta.get("zones") or scene.keep_clear:
            if self.renderer is None:
                scene.set_camera(frame.meta)
            else:
                with scene.lock:
                    scene.set_camera(frame.meta)

    def _layers(self, scene: Scene, pts: int) -> list[Layer]:
        """This frame's layers: of the newest state whose drawing is complete when drawing off the path (a
        redraw in progress never holds the frame up), else of the newest state."""
        tournament = self.latest("tournament")
        if self.sync_pts:
            before = self.synced
            state = self._due_state(pts)
            if self.renderer is not None and state is not before:
                self.renderer.submit(state, pts)
        if self.renderer is None:
            state = self._state_now()
            if self.recording:
                self._record_frame(scene, pts, state, tournament)
            scene.set_tournament(tournament, pts)
            return scene.layers(state, pts)
        self.renderer.raise_error()  # a background drawing that failed fails the node, as inline drawing would
        with scene.lock:
            state = self.renderer.shown()
            if self.recording:
                self._record_frame(scene, pts, state, tournament)
            self.drawn_pts = pts
            scene.set_tournament(tournament, pts)
            return scene.layers(state, pts)

    def _graphics_only(self, msg: Message) -> None:
        camera: VideoFrame = msg.payload
        scene = self._scene_for(camera)
        self._camera(scene, camera)
        countdown = self.latest("countdown")
        if countdown is not None:
            scene.countdown = (getattr(countdown, "remaining_s", 0.0), getattr(countdown, "delay_s", 0.0))
        started = time.perf_counter_ns()
        layers = self._layers(scene, msg.pts)
        self.render_ns += time.perf_counter_ns() - started
        self.last_pts = msg.pts
        self.frames += 1
        self._emit_alpha(layers, camera.width, camera.height, msg.pts)

    def _emit_alpha(self, layers: list[Layer], width: int, height: int, pts: int) -> None:
        """The same layers as the program frame, blended alone: fill, key and graphics share this frame's pts."""
        started = time.perf_counter_ns()
        alone = render_graphics(layers, width, height, pts)
        p = self.params
        frames = {"fill": lambda: alone.fill_frame(p.fill_mode), "key": alone.key_frame,
                  "graphics": lambda: alone.graphics_frame(p.graphics_format, p.graphics_alpha)}
        made = {port: frames[port]() for port in self.alpha_outputs}
        self.alpha_ns += time.perf_counter_ns() - started
        for port, out in made.items():
            self.emit(port, out, pts=pts)

    def teardown(self) -> None:
        """Stop the drawing thread; log what the overlay cost per frame."""
        if self.renderer is not None:
            self.renderer.close()
        if self.frames:
            self.log.info("overlay: %d frames, %.2f ms/frame scene, %.2f ms/frame composite, %d redraws",
                          self.frames, self.render_ns / self.frames / 1e6, self.composite_ns / self.frames / 1e6,
                          self.scene.redraws if self.scene else 0)

    def stats(self) -> dict[str, Any]:
        """Per-frame costs so far (for tests and benchmarks)."""
        frames = max(1, self.frames)
        renderer = self.renderer
        return {"frames": self.frames, "scene_ms": self.render_ns / frames / 1e6,
                "alpha_ms": self.alpha_ns / frames / 1e6,
                "composite_ms": self.composite_ns / frames / 1e6, "redraws": self.scene.redraws if self.scene else 0,
                "background_renders": renderer.renders if renderer else 0,
                "background_render_max_ms": renderer.max_render_ms if renderer else 0.0}
