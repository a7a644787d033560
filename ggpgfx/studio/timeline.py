"""The editor's side: which hands make the highlight reel, the reel itself, and a timeline of the clips
(OpenTimelineIO `.otio` and a CMX3600 `.edl` written here)."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av

from ggpgfx.errors import ConfigError
from ggpgfx.studio.session import Hand


def highlight_hands(hands: Sequence[Hand], count: int = 5) -> list[Hand]:
    """Tagged hands first, then all-ins and showdowns, then the biggest pots; in session order."""
    def score(hand: Hand) -> tuple[int, int, int, int]:
        return (len(hand.tags) > 0, len(hand.all_ins) > 0, hand.showdown, hand.pot)

    best = sorted(hands, key=score, reverse=True)[:max(0, count)]
    return sorted(best, key=lambda h: h.start_frame)


def write_reel(clips: Sequence[str | Path], path: str | Path) -> Path:
    """Join same-format clips (as `render_hand` writes them) into one file without re-encoding."""
    path = Path(path)
    temporary = path.with_name("." + path.name + ".part.mp4")
    with av.open(str(temporary), "w") as output:
        stream = None
        offset = 0
        for clip in clips:
            with av.open(str(clip)) as source:
                video = source.streams.video[0]
                if stream is None:
                    stream = output.add_stream_from_template(video)
                base = video.time_base or Fraction(1, 90000)
                last = offset
                for packet in source.demux(video):
                    if packet.dts is None:
                        continue
                    packet.pts = (packet.pts or 0) + offset
                    packet.dts += offset
                    end = packet.pts + (packet.duration or 0)
                    last = max(last, end)
                    packet.stream = stream
                    output.mux(packet)
                offset = last if last > offset else offset + int(1 / base)
    temporary.replace(path)
    return path


def _timecode(frames: int, fps: float) -> str:
    rate = max(1, round(fps))
    seconds, frame = divmod(frames, rate)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}:{frame:02d}"


def edl_text(clips: Sequence[tuple[Hand, str | Path]], fps: float, title: str = "ggp studio") -> str:
    """A CMX3600 EDL: one event per clip, each clip's own timecode from zero, laid end to end."""
    lines = [f"TITLE: {title}", "FCM: NON-DROP FRAME", ""]
    record = 0
    for event, (hand, path) in enumerate(clips, start=1):
        reel = f"H{hand.number:04d}"[:8]
        lines.append(f"{event:03d}  {reel:<8} V     C        {_timecode(0, fps)} {_timecode(hand.frames, fps)} "
                     f"{_timecode(record, fps)} {_timecode(record + hand.frames, fps)}")
        lines.append(f"* FROM CLIP NAME: {Path(path).name}")
        lines.append(f"* COMMENT: hand {hand.number}, {', '.join(hand.players)}, pot {hand.pot}"
                     + (f", tags {', '.join(hand.tags)}" if hand.tags else ""))
        lines.append("")
        record += hand.frames
    return "\n".join(lines)


def write_timeline(clips: Sequence[tuple[Hand, str | Path]], fps: float, stem: str | Path,
                   kind: str = "both") -> Path:
    """timeline.edl (always for 'edl'/'both') and timeline.otio (for 'otio'/'both'); returns the last written."""
    stem = Path(stem)
    written = stem.with_suffix(".edl")
    if kind in ("edl", "both"):
        written.write_text(edl_text(clips, fps))
    if kind == "otio" or kind == "both" and importlib.util.find_spec("opentimelineio") is not None:
        written = _write_otio(clips, fps, stem.with_suffix(".otio"))
    return written


def _write_otio(clips: Sequence[tuple[Hand, str | Path]], fps: float, path: Path) -> Path:
    try:
        import opentimelineio as otio
    except ImportError:
        raise ConfigError("an .otio timeline needs the opentimelineio package (pip install 'ggpgfx[studio]'); "
                          "--timeline edl needs nothing") from None

    timeline = otio.schema.Timeline(name="ggp studio")
    track = otio.schema.Track(name="hands", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for hand, clip_path in clips:
        duration = otio.opentime.RationalTime(hand.frames, fps)
        available = otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps), duration)
        reference = otio.schema.ExternalReference(target_url=Path(clip_path).resolve().as_uri(),
                                                  available_range=available)
        clip = otio.schema.Clip(name=Path(clip_path).stem, media_reference=reference, source_range=available)
        clip.metadata["ggp"] = hand.as_dict()
        track.append(clip)
    otio.adapters.write_to_file(timeline, str(path))
    return path
