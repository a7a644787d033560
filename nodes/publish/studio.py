"""publish.studio: record a session for post-production (ISO camera file, event log, scene calls, manifest)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import OutputPath
from ggpgfx.graph.node import Message, Node, Port, Resources, VideoCaps, register_node
from ggpgfx.media.event_log import EventLog, event_record
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import GameEvent
from ggpgfx.render.record import SceneCall
from ggpgfx.studio.session import MANIFEST, frame_record, scene_record, skin_folder
from ggpgfx.studio.video import VideoWriter


class StudioParams(BaseModel):
    """The session folder and how the clean camera feed (ISO) is encoded."""

    model_config = ConfigDict(extra="forbid")
    folder: OutputPath = Field(description="session folder (created); `ggp studio` commands take it")
    iso: str = Field("iso.mp4", pattern=r"^[\w.-]+\.(mp4|mkv|mov)$", description="ISO file name in the folder")
    program: str | None = Field(None, pattern=r"^[\w.-]+$",
                                description="file name (in the folder) the graph records the program to, if any")
    lossless: bool = Field(False, description="ISO in lossless H.264 (qp 0): re-renders equal the program exactly")
    crf: float = Field(16, ge=0, le=51, description="ISO quality when not lossless")
    preset: str = Field("veryfast", description="x264 preset of the ISO")
    compact_every: int = Field(2000, ge=1, description="write a Parquet part of the log after this many records")


@register_node
class StudioRecorder(Node):
    """Record the clean camera feed, every game event and the overlay's scene calls on one media clock."""

    type_name = "publish.studio"
    inputs = {
        "video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"), doc="the clean camera feed (before the overlay)"),
        "scene": Port(SceneCall, doc="render.overlay's `scene` output (what it drew, by frame pts)"),
        "events": Port(GameEvent, required=False, doc="rules.poker's `events` (hands, actions, cards)"),
    }
    Params = StudioParams
    resources = Resources(cpu=1)

    def setup(self) -> None:
        """Create the folder, open the log and write a first manifest (complete: false)."""
        self.folder = Path(self.params.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log_ = EventLog(self.folder / "log")
        self.writer: VideoWriter | None = None
        self.first_pts: int | None = None
        self.last_pts = 0
        self.skin: str | None = None
        self.size: tuple[int, int] | None = None
        self.pending = 0
        self.started = time.time()
        self._write_manifest(complete=False)

    def process(self, port: str, msg: Message) -> None:
        """ISO frames are encoded and indexed; scene calls and events go to the log."""
        if port == "video":
            frame: VideoFrame = msg.payload
            if self.writer is None:
                self.writer = VideoWriter(self.folder / self.params.iso, frame.width, frame.height,
                                          self.context.fps, crf=self.params.crf, preset=self.params.preset,
                                          lossless=self.params.lossless)
                self.first_pts = msg.pts
            self.log_.append(frame_record(self.writer.frames, msg.pts))
            self.writer.write(frame)
            self.last_pts = msg.pts
        elif port == "scene":
            call: SceneCall = msg.payload
            if call.options is not None and self.skin is None:
                self.skin = str(call.options.get("skin", "broadcast"))
                self.size = call.size
                self._copy_skin(self.skin)
            self.log_.append(scene_record(call))
        else:
            self.log_.append(event_record(msg.payload, msg.pts))
        self.pending += 1
        if self.pending >= self.params.compact_every:
            self.log_.compact()
            self.pending = 0

    def _copy_skin(self, skin: str) -> None:
        source = skin_folder(skin)
        if source is not None:
            shutil.copytree(source, self.folder / "skins" / source.name, dirs_exist_ok=True)

    def _write_manifest(self, complete: bool) -> None:
        manifest: dict[str, Any] = {
            "format": "ggp-studio/1", "graph": self.context.graph_name, "node": self.id, "complete": complete,
            "started_at": self.started, "fps": self.context.fps, "iso": self.params.iso,
            "program": self.params.program, "iso_lossless": self.params.lossless,
            "frames": self.writer.frames if self.writer else 0, "first_pts": self.first_pts,
            "last_pts": self.last_pts, "skin": self.skin, "size": list(self.size) if self.size else None,
            "log": "log",
        }
        tmp = self.folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        tmp.replace(self.folder / MANIFEST)

    def on_eos(self) -> None:
        """Finish the ISO file, compact the log and mark the manifest complete."""
        if self.writer is not None:
            self.writer.close()
        self.log_.close()
        self._write_manifest(complete=True)

    def teardown(self) -> None:
        """Close what is still open (after an error the manifest stays complete: false)."""
        log_ = getattr(self, "log_", None)
        if log_ is not None and not log_.wal.closed:
            log_.close()
