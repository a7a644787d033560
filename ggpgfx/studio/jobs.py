"""A studio render job: the chosen hands rendered one by one or in parallel, a failed hand reported while
the rest finish; then the highlight reel and the editor's timeline from the clips that rendered."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.studio.render import ClipResult, RenderSettings, render_hand
from ggpgfx.studio.session import Hand, Session

#: on_hand(result, done, total): called as each hand finishes (or fails)
HandCallback = Callable[[ClipResult, int, int], None]


def parse_hands(text: str | None, session: Session) -> list[int]:
    """'3,5-7' -> [3, 5, 6, 7]; None or 'all' -> every hand; numbers not in the session are an error."""
    numbers = [h.number for h in session.hands()]
    if text is None or text.strip().lower() == "all":
        return numbers
    chosen: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                low, high = (int(p) for p in part.split("-", 1))
                chosen.extend(range(low, high + 1))
            elif part:
                chosen.append(int(part))
        except ValueError:
            raise ConfigError(f"--hands {text!r}: use numbers and ranges, e.g. 3,5-7") from None
    missing = [n for n in chosen if n not in numbers]
    if missing:
        raise ConfigError(f"--hands: hand(s) {', '.join(map(str, missing))} not in this session "
                          f"(hands: {', '.join(map(str, numbers)) or 'none'})")
    return list(dict.fromkeys(chosen))


def render_one(folder: str, number: int, out: str, settings: dict[str, Any],
               on_frame: Callable[[int, int], None] | None = None) -> ClipResult:
    """Render one hand; an exception becomes a failed result (the other hands still render)."""
    try:
        return render_hand(folder, number, out, RenderSettings(**settings), on_frame=on_frame)
    except Exception as error:  # reported per hand: one bad hand must not stop the job
        return ClipResult(number, "", 0, 0.0, ok=False, error=f"{type(error).__name__}: {error}")


@dataclass
class JobResult:
    """What a render job produced."""

    clips: list[ClipResult] = field(default_factory=list)
    reel: str | None = None
    timeline: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[ClipResult]:
        """The hands that did not render."""
        return [c for c in self.clips if not c.ok]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"clips": [asdict(c) for c in self.clips], "reel": self.reel, "timeline": self.timeline,
                "seconds": self.seconds, "failed": [c.hand for c in self.failed]}


def render_session(folder: str | Path, hands: Sequence[int], out: str | Path, settings: RenderSettings,
                   *, workers: int = 1, executor: str = "local", address: str | None = None,
                   on_hand: HandCallback | None = None, reel: bool = True, timeline: str | None = "otio",
                   reel_size: int = 5) -> JobResult:
    """Render the hands (locally in order, or on Ray Data across `workers`), then the reel and timeline."""
    import time

    settings.check()
    started = time.perf_counter()
    folder, out = str(Path(folder).resolve()), str(Path(out).resolve())
    session = Session(folder)
    options = asdict(settings)
    results: list[ClipResult] = []
    if executor == "ray":
        from ggpgfx.runtime.ray_studio import render_on_ray

        for done, result in enumerate(render_on_ray(folder, list(hands), out, options, workers, address), start=1):
            results.append(result)
            if on_hand is not None:
                on_hand(result, done, len(hands))
    elif executor == "local":
        for done, number in enumerate(hands, start=1):
            result = render_one(folder, number, out, options)
            results.append(result)
            if on_hand is not None:
                on_hand(result, done, len(hands))
    else:
        raise ConfigError(f"executor {executor!r}: use local or ray")
    results.sort(key=lambda r: r.hand)
    job = JobResult(results)
    good = [r for r in results if r.ok]
    by_number = {h.number: h for h in session.hands()}
    if reel and good and not settings.graphics_only:
        from ggpgfx.studio.timeline import highlight_hands, write_reel

        picks = highlight_hands([by_number[r.hand] for r in good], reel_size)
        clips = {r.hand: r.path for r in good}
        job.reel = str(write_reel([clips[h.number] for h in picks], Path(out) / "highlights.mp4"))
    if timeline and good:
        from ggpgfx.studio.timeline import write_timeline

        job.timeline = str(write_timeline([(by_number[r.hand], r.path) for r in good], session.fps,
                                          Path(out) / "timeline", timeline))
    job.seconds = time.perf_counter() - started
    Path(out).mkdir(parents=True, exist_ok=True)  # also when every hand failed before making it
    (Path(out) / "job.json").write_text(json.dumps(job.as_dict(), indent=2) + "\n")
    return job


def hand_line(hand: Hand, fps: float) -> str:
    """One line of `ggp studio list`."""
    def clock(frames: int) -> str:
        seconds = frames / fps
        return f"{int(seconds // 60):02d}:{seconds % 60:05.2f}"

    cards = " ".join(f"{name}:{''.join(c)}" for name, c in hand.cards.items())
    flags = [flag for flag, on in (("showdown", hand.showdown), ("all-in " + ",".join(hand.all_ins),
                                                                   bool(hand.all_ins))) if on]
    tags = f" tags={','.join(hand.tags)}" if hand.tags else ""
    fixed = f" fixes={hand.corrections}" if hand.corrections else ""
    return (f"{hand.number:>4}  {clock(hand.start_frame)}-{clock(hand.end_frame)}  pts {hand.start_pts}-{hand.end_pts}"
            f"  pot {hand.pot:>7}  {', '.join(hand.players)}  [{cards}] board {''.join(hand.board) or '-'}"
            f"{'  ' + ' '.join(flags) if flags else ''}{tags}{fixed}")
