"""publish.png_sequence: one PNG per frame (RGBA with alpha from rgba or yuva420p video) and a pts index."""

from __future__ import annotations

import csv
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggpgfx.graph.fields import OutputPath
from ggpgfx.graph.node import Message, Node, Port, Resources, register_node
from ggpgfx.media.av_convert import video_to_av
from ggpgfx.media.frames import VideoFrame


class PngSequenceParams(BaseModel):
    """Folder, file names and compression."""

    model_config = ConfigDict(extra="forbid")
    folder: OutputPath = Field(description="output folder (created)")
    prefix: str = Field("frame_", description="file name before the frame number")
    digits: int = Field(6, ge=1, le=12, description="frame number width, zero-padded")
    start_number: int = Field(0, ge=0, description="number of the first frame")
    compress_level: int = Field(1, ge=0, le=9, description="zlib level: 1 is fast, 9 is small")
    writers: int = Field(2, ge=1, le=16, description="threads compressing PNGs (zlib runs without the GIL)")

    @field_validator("prefix")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value.startswith(".") or "\0" in value:
            raise ValueError(f"prefix {value!r} must be a plain file name part (no folders, not hidden)")
        return value


def rgba_pixels(frame: VideoFrame) -> np.ndarray:
    """The frame as (h, w, 4) uint8 RGBA: as is for rgba, through FFmpeg's BT.709 converter otherwise."""
    if frame.format == "rgba":
        return np.asarray(frame.planes[0])
    converted = video_to_av(frame).reformat(format="rgba", src_colorspace="ITU709", dst_colorspace="ITU709")
    return np.ascontiguousarray(converted.to_ndarray(), dtype=np.uint8)


@register_node
class PngSequencePublisher(Node):
    """Write each frame as a numbered RGBA PNG (alpha kept) plus frames.csv mapping numbers to pts."""

    type_name = "publish.png_sequence"
    writes_files = True  # a stop that timed out still lets it write the PNGs it queued
    inputs = {"video": Port(VideoFrame, doc="rgba or yuva420p (alpha kept); yuv420p gives opaque PNGs")}
    resources = Resources(cpu=1)
    Params = PngSequenceParams

    def setup(self) -> None:
        """Create the folder and the index; PNGs are compressed on worker threads."""
        self.folder = Path(self.params.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index_file = open(self.folder / "frames.csv", "w", newline="")  # noqa: SIM115 - closed in teardown
        self.index = csv.writer(self.index_file)
        self.index.writerow(["number", "file", "pts_us"])
        self.pool = ThreadPoolExecutor(self.params.writers, thread_name_prefix=f"png-{self.id}")
        self.pending: list[Future[None]] = []
        self.number = self.params.start_number

    def process(self, port: str, msg: Message) -> None:
        """Queue one frame's PNG and index it; at most two frames per writer wait."""
        pixels = np.ascontiguousarray(rgba_pixels(msg.payload))
        name = f"{self.params.prefix}{self.number:0{self.params.digits}d}.png"
        self.index.writerow([self.number, name, msg.pts])
        self.number += 1
        for future in self.pending:
            if future.done():
                future.result()  # a writer's error fails the graph here
        self.pending = [f for f in self.pending if not f.done()]
        while len(self.pending) >= 2 * self.params.writers:
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._write, pixels, self.folder / name))

    def _write(self, pixels: np.ndarray, path: Path) -> None:
        temporary = path.with_name(f".{path.name}.part")
        Image.fromarray(pixels, "RGBA").save(temporary, format="PNG", compress_level=self.params.compress_level)
        os.replace(temporary, path)

    def on_eos(self) -> None:
        """Wait for every PNG (an error writing one fails the graph here)."""
        for future in self.pending:
            future.result()
        self.pending = []

    def abandon(self) -> None:
        """Stuck past the finish timeout: remove the PNGs still being written."""
        for temporary in self.folder.glob(".*.part"):
            temporary.unlink(missing_ok=True)

    def teardown(self) -> None:
        """Stop the writers and close the index."""
        self.pool.shutdown(wait=True)
        self.index_file.close()
