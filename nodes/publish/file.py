"""publish.file: mux encoded packets into mp4 (faststart), mkv, mov or ts files, optionally in segments.

Each file is written under a hidden temporary name in the same folder and renamed into place when it is
finished, so a reader never sees a half-written file and two runs recording to the same path cannot
interleave into one corrupt file (the last to finish wins, whole).
"""

from __future__ import annotations

import os
import uuid
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import Container, FfmpegOptions, OutputPath
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import Packet
from ggpgfx.media.mux import StreamMuxer, guess_format


class FileParams(BaseModel):
    """Where and how to record."""

    model_config = ConfigDict(extra="forbid")
    path: OutputPath = Field(description="output file; with segment_s, '{index}' in the name numbers the parts")
    format: Container | None = Field(None, description="container (mp4, matroska, mov, mpegts); default from suffix")
    faststart: bool = Field(True, description="mp4/mov: move the index to the front (plays while downloading)")
    segment_s: float | None = Field(None, gt=0, description="start a new file at the first keyframe after this")
    options: FfmpegOptions = Field(default_factory=dict, description="FFmpeg muxer options")


def segment_path(template: str, index: int) -> str:
    """The path of segment `index`: '{index}' replaced, else '_0001' inserted before the suffix."""
    if "{index}" in template:
        return template.replace("{index}", f"{index:04d}")
    root, ext = os.path.splitext(template)
    return f"{root}_{index:04d}{ext}"


def temporary_path(path: str) -> str:
    """A hidden name next to `path`, unique to this writer (same folder, so the final rename is atomic)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")


def _move_into_place(temporary: str, path: str, abandoned: bool = False) -> None:
    if abandoned:  # the runtime gave up on this writer: whatever it finished late is not a whole recording
        Path(temporary).unlink(missing_ok=True)
    elif os.path.exists(temporary):
        os.replace(temporary, path)


@register_node
class FilePublisher(Node):
    """Record packets (video and audio) to a file; mp4 with faststart by default; segments for long runs."""

    type_name = "publish.file"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    writes_files = True  # a stop that timed out still lets it finish the file (trailer, faststart, rename)
    inputs = {"packets": Port(Packet, doc="video and/or audio packets (connect both encoders here)")}
    outputs = {"files": Port(str, doc="path of each finished file")}
    Params = FileParams

    def setup(self) -> None:
        """Create the folder; the file opens on the first packets."""
        p = self.params
        self.format = p.format or guess_format(p.path) or "mp4"
        self.options = dict(p.options)
        if p.faststart and self.format in ("mp4", "mov"):
            flags = self.options.get("movflags", "")
            self.options["movflags"] = (flags + "+faststart") if "faststart" not in flags else flags
        self.index = 0
        self.muxer: StreamMuxer | None = None
        self.segment_start_s: float | None = None
        self.segment_clock_s = 0.0
        self.offsets: dict[str, int] = {}
        self.files: list[str] = []
        self.abandoned = False

    @property
    def final_path(self) -> str:
        """Where the file being written ends up (this segment's name when segmenting)."""
        p = self.params
        return segment_path(p.path, self.index) if p.segment_s else p.path

    def _new_muxer(self) -> StreamMuxer:
        path = self.final_path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return StreamMuxer(temporary_path(path), self.format, self.options)

    def process(self, port: str, msg: Message) -> None:
        """Mux one packet, rolling over to a new segment at a keyframe when due."""
        packet: Packet = msg.payload
        if self.params.segment_s:
            packet = self._segment(packet)
        if self.muxer is None:
            self.muxer = self._new_muxer()
        self.muxer.write(packet)

    def _segment(self, packet: Packet) -> Packet:
        when = float((packet.pts if packet.pts is not None else packet.dts or 0) * packet.time_base)
        if self.segment_start_s is None:
            self.segment_start_s = 0.0  # the first part keeps the stream's own timeline
            self.segment_clock_s = when
        elif packet.kind == "video" and packet.keyframe and when - self.segment_clock_s >= self.params.segment_s:
            self._finish()
            self.index += 1
            self.segment_start_s = self.segment_clock_s = when
            self.offsets = {}
        # each segment starts at time zero: shift pts/dts by the segment start, per stream time base
        offset = self.offsets.setdefault(packet.kind, int(Fraction(self.segment_start_s) / packet.time_base))
        return Packet(packet.data, None if packet.pts is None else packet.pts - offset,
                      None if packet.dts is None else packet.dts - offset, packet.time_base, packet.keyframe,
                      packet.kind, packet.codec, packet.duration, packet.stream_info, packet.side_data)

    def _finish(self) -> None:
        if self.muxer is not None:
            muxer, self.muxer = self.muxer, None
            muxer.close()
            path = self.final_path
            _move_into_place(muxer.target, path, self.abandoned)
            if self.abandoned:
                return
            self.files.append(path)
            self.emit("files", path)

    def on_eos(self) -> None:
        """Write the trailer (and the faststart index)."""
        self._finish()

    def teardown(self) -> None:
        """After an error upstream, still finish the file so the recording so far stays playable."""
        if self.muxer is not None:
            try:
                self.muxer.close()
            except Exception:
                self.log.warning("could not finish %s after an error", self.final_path, exc_info=True)
                self.muxer.abort()
            _move_into_place(self.muxer.target, self.final_path, self.abandoned)

    def abandon(self) -> None:
        """Stuck past the finish timeout: remove the temporary file (never renamed into place half-written)."""
        self.abandoned = True
        muxer = self.muxer
        if muxer is not None:
            Path(muxer.target).unlink(missing_ok=True)

    def snapshot(self) -> Any | None:
        """The finished files so far."""
        return {"files": list(self.files), "index": self.index}

    def restore(self, state: Any) -> None:
        """Continue numbering after a restart."""
        self.files = list(state.get("files", []))
        self.index = int(state.get("index", 0)) + 1
