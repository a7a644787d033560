"""The session's video files: an ISO writer numbering frames by index, and a frame-range reader."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av

from ggpgfx.errors import MediaError
from ggpgfx.media.av_convert import av_to_video, video_to_av
from ggpgfx.media.frames import VideoFrame


class VideoWriter:
    """H.264 (libx264) in an mp4/mkv: frame i gets pts i in a 1/fps time base, so a frame's index is exact."""

    def __init__(self, path: str | Path, width: int, height: int, fps: float, *, crf: float = 18,
                 preset: str = "veryfast", lossless: bool = False, keyint: int | None = None,
                 threads: int = 0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(self.path), "w")
        rate = Fraction(fps).limit_denominator(1001)
        self.stream = self.container.add_stream("libx264", rate=rate)
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.codec_context.time_base = 1 / rate
        options: dict[str, str] = {"preset": preset, "g": str(keyint or max(1, round(fps)))}
        options |= {"qp": "0"} if lossless else {"crf": f"{crf:g}"}
        self.stream.options = dict(options)
        if threads:
            self.stream.codec_context.thread_count = threads
        self.frames = 0

    def write(self, frame: VideoFrame) -> None:
        """Encode one yuv420p frame as the next index."""
        avf = video_to_av(frame)
        avf.pts = self.frames
        avf.time_base = self.stream.codec_context.time_base
        self.container.mux(self.stream.encode(avf))
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        self.container.mux(self.stream.encode(None))
        self.container.close()


def read_frames(path: str | Path, start: int = 0, count: int | None = None) -> Iterator[tuple[int, VideoFrame]]:
    """(index, yuv420p frame) for frames start..start+count of a file written by VideoWriter (seeks first)."""
    if not Path(path).exists():
        raise MediaError(f"{path}: no such video file")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        base = stream.time_base or Fraction(1, 1000)
        origin = stream.start_time or 0

        def index_of(pts: int | None) -> int:
            return round(((pts or 0) - origin) * base * rate)

        if start > 0:
            container.seek(origin + int(start / rate / base), stream=stream, backward=True, any_frame=False)
        end = None if count is None else start + count
        for avf in container.decode(stream):
            index = index_of(avf.pts)
            if index < start:
                continue
            if end is not None and index >= end:
                return
            yield index, av_to_video(avf, 0)
