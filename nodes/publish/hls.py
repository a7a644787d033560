"""publish.hls: a rolling HLS playlist + MPEG-TS segments in a folder (hls.js, Safari, ffprobe play it).

FFmpeg writes the segment being cut and each new playlist under `<name>.tmp` and renames them into place
when whole (`hls_flags temp_file`), so a player never fetches a half-written segment or playlist; a stop
that timed out still lets the node finish them, and a writer that never comes back has its `.tmp` files
removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import FfmpegOptions, OutputPath
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import Packet
from ggpgfx.media.mux import StreamMuxer


class HlsParams(BaseModel):
    """Folder, segment length and playlist kind."""

    model_config = ConfigDict(extra="forbid")
    folder: OutputPath = Field(description="output folder (created); serve it over HTTP for players")
    playlist: str = Field("index.m3u8", description="playlist file name inside the folder")
    segment_s: float = Field(2.0, gt=0, le=60, description="target segment length (cut at keyframes)")
    list_size: int = Field(6, ge=0, description="segments kept in a rolling playlist (0: all)")
    kind: Literal["rolling", "event", "vod"] = Field("rolling", description="vod/event keep every segment")
    delete_segments: bool = Field(True, description="rolling: delete segments that left the playlist")
    options: FfmpegOptions = Field(default_factory=dict, description="extra FFmpeg hls muxer options")


@register_node
class HlsPublisher(Node):
    """Write an HLS stream (m3u8 + .ts segments) to a folder; segments start on keyframes."""

    type_name = "publish.hls"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    writes_files = True  # a stop that timed out still lets it finish the last segment and the playlist
    inputs = {"packets": Port(Packet, doc="H.264 video and AAC audio packets")}
    Params = HlsParams

    def setup(self) -> None:
        """Create the folder; the playlist appears with the first segment."""
        p = self.params
        folder = Path(p.folder)
        folder.mkdir(parents=True, exist_ok=True)
        flags = ["independent_segments", "program_date_time", "temp_file"]
        if p.kind == "rolling" and p.delete_segments:
            flags.append("delete_segments")
        options = {"hls_time": f"{p.segment_s:g}", "hls_list_size": str(0 if p.kind != "rolling" else p.list_size),
                   "hls_flags": "+".join(flags), "hls_segment_type": "mpegts",
                   "hls_segment_filename": str(folder / "segment_%05d.ts")}
        if p.kind != "rolling":
            options["hls_playlist_type"] = p.kind
        options.update(p.options)
        self.folder = folder
        self.playlist = folder / p.playlist
        self.muxer = StreamMuxer(str(self.playlist), "hls", options)

    def process(self, port: str, msg: Message) -> None:
        """Mux one packet (the muxer cuts segments and rewrites the playlist)."""
        self.muxer.write(msg.payload)

    def on_eos(self) -> None:
        """Finish the last segment and the playlist (with #EXT-X-ENDLIST)."""
        self.muxer.close()

    def teardown(self) -> None:
        """Close after an error."""
        self.muxer.abort()

    def abandon(self) -> None:
        """Stuck past the finish timeout: remove the segment and playlist still being written (`.tmp`)."""
        for temporary in [*self.folder.glob("segment_*.ts.tmp"), self.folder / f"{self.playlist.name}.tmp"]:
            temporary.unlink(missing_ok=True)
