"""Generate real test clips (colour bars with a frame counter, a sine tone) with PyAV, for tests and benchmarks."""

from __future__ import annotations

import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ggpgfx.media.av_convert import new_av_frame


def _bars(width: int, height: int) -> list[np.ndarray]:
    from ggpgfx.media.pattern import bars_planes as _bars_planes

    return _bars_planes(width, height, "yuv420p")


def draw_counter(luma: np.ndarray, index: int) -> None:
    """Draw the 16-bit frame counter that `ingest.test_pattern.read_counter` reads back."""
    h, w = luma.shape[:2]
    cell = max(2, w // 40)
    for bit in range(16):
        luma[h - cell: h, bit * cell: (bit + 1) * cell] = 235 if (index >> bit) & 1 else 16


def make_clip(path: str | Path, seconds: float = 2.0, width: int = 320, height: int = 240, fps: int = 30, *,
              audio: bool = True, preset: str = "ultrafast", crf: int = 23, faststart: bool = True,
              keyint: int | None = None) -> Path:
    """Write an H.264 (+ AAC 48 kHz stereo tone) clip; frame i shows counter i. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part" + path.suffix)
    options = {"movflags": "+faststart"} if faststart and path.suffix in (".mp4", ".mov") else {}
    frames = round(seconds * fps)
    with av.open(str(partial), "w", options=options) as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.options = {"preset": preset, "crf": str(crf)}
        video.codec_context.gop_size = keyint or fps
        video.thread_type = "AUTO"
        sound = out.add_stream("aac", rate=48_000, layout="stereo") if audio else None
        base = _bars(width, height)
        sample = 0
        for index in range(frames):
            avf, views = new_av_frame(width, height)
            for dst, src in zip(views, base, strict=True):
                np.copyto(dst, src)
            x = (index * max(1, width // 60)) % max(1, width - 8)
            views[0][: height // 8, x: x + 8] = 255
            draw_counter(views[0], index)
            avf.pts = index
            avf.time_base = Fraction(1, fps)
            out.mux(video.encode(avf))
            if sound is not None:
                until = round((index + 1) * 48_000 / fps)
                while sample + 1024 <= until:
                    t = (np.arange(sample, sample + 1024) / 48_000).astype(np.float32)
                    tone = (0.2 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
                    aframe = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
                    aframe.sample_rate = 48_000
                    aframe.pts = sample
                    aframe.time_base = Fraction(1, 48_000)
                    out.mux(sound.encode(aframe))
                    sample += 1024
        out.mux(video.encode(None))
        if sound is not None:
            out.mux(sound.encode(None))
    os.replace(partial, path)
    return path


def cached_clip(name: str, **kwargs: object) -> Path:
    """A clip generated once per machine under the temp folder (tests share it)."""
    folder = Path(tempfile.gettempdir()) / f"ggp-clips-{os.getuid()}"
    path = folder / name
    if not path.exists():
        make_clip(path, **kwargs)  # type: ignore[arg-type]
    return path
