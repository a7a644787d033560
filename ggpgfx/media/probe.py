"""Inspect media files: mp4 box order, per-stream decoded counts and times, test-pattern counters."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import av

from ggpgfx.media.pattern import read_counter


def top_level_boxes(path: str | Path) -> list[str]:
    """Names of the top-level boxes of an mp4/mov file, in file order."""
    names: list[str] = []
    with open(path, "rb") as fh:
        while True:
            head = fh.read(8)
            if len(head) < 8:
                return names
            size, kind = struct.unpack(">I4s", head)
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
                fh.seek(size - 16, 1)
            elif size == 0:
                names.append(kind.decode("latin-1"))
                return names
            else:
                fh.seek(size - 8, 1)
            names.append(kind.decode("latin-1"))


def counters(path: str | Path, limit: int = 100_000) -> list[int]:
    """The test-pattern counter of every decoded video frame."""
    with av.open(str(path)) as container:
        return [read_counter(frame.to_ndarray(format="gray"))
                for _, frame in zip(range(limit), container.decode(video=0), strict=False)]


def stream_summary(path: str | Path) -> dict[str, dict[str, Any]]:
    """Per stream type: codec, decoded frame count, first and last frame time in seconds (decoded, not headers)."""
    times: dict[str, list[float]] = {}
    codecs: dict[str, str] = {}
    with av.open(str(path)) as container:
        for stream in (*container.streams.video[:1], *container.streams.audio[:1]):
            times[stream.type] = []
            codecs[stream.type] = stream.codec_context.name
        for packet in container.demux():
            bucket = times.get(packet.stream.type)
            if bucket is None:
                continue
            for frame in packet.decode():  # the final empty packet flushes the decoder
                pts, time_base = getattr(frame, "pts", None), getattr(frame, "time_base", None)
                if pts is not None and time_base is not None:
                    bucket.append(float(pts * time_base))
    return {kind: {"codec": codecs[kind], "frames": len(values), "first": min(values, default=None),
                   "last": max(values, default=None)} for kind, values in times.items()}


def ffprobe_streams(path: str | Path, *, frames: bool = False, timeout_s: float = 60.0) -> dict[str, Any]:
    """ffprobe's JSON (-show_streams, and -show_frames when asked) for a file; MediaError without ffprobe."""
    import json
    import shutil
    import subprocess

    from ggpgfx.errors import MediaError

    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise MediaError("ffprobe is not installed (apt-get install ffmpeg)")
    args = [ffprobe, "-v", "error", "-of", "json", "-show_streams"] + (["-show_frames"] if frames else [])
    done = subprocess.run([*args, str(path)], capture_output=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise MediaError(f"ffprobe could not read {path}: {done.stderr.decode(errors='replace').strip()}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]
