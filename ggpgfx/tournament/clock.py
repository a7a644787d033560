"""The blind clock as pure functions of stored times, so it survives a restart of whatever runs it.

The platform stores a `ClockAnchor` (the level that began at `started_at`, the pauses and the time
added or removed since) and never a counter: `clock_position(levels, anchor, now)` walks the structure
from the anchor to `now`. Every operator action (pause, resume, add time, jump to a level) returns a new
anchor; nothing ticks in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field, model_validator


class BlindLevel(BaseModel):
    """One level of a blind structure (or a break, `is_break`: no blinds)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use
    small_blind: int = Field(0, ge=0)
    big_blind: int = Field(0, ge=0)
    ante: int = Field(0, ge=0)  # per player
    big_blind_ante: int = Field(0, ge=0)  # paid by the big blind for the table (0: none)
    duration_s: int = Field(gt=0)
    is_break: bool = False
    name: str | None = None  # "Level 7", "Dinner break"; None: the renderer names it

    @model_validator(mode="after")
    def _blinds_for_play(self) -> BlindLevel:
        if not self.is_break:
            if self.big_blind <= 0:
                raise ValueError("a playing level needs a big_blind > 0 (or is_break: true)")
            if self.small_blind > self.big_blind:
                raise ValueError(f"small_blind {self.small_blind} is larger than big_blind {self.big_blind}")
        return self


@dataclass(frozen=True)
class ClockAnchor:
    """What the platform stores for a clock: level `level_index` began with its full duration at `started_at`."""

    level_index: int = 0
    started_at: float = 0.0  # epoch seconds
    paused_total_s: float = 0.0  # length of the pauses that ended since started_at
    paused_at: float | None = None  # when the current pause began; None: running
    added_s: float = 0.0  # time added (+) or removed (-) by the operator since started_at

    @property
    def running(self) -> bool:
        """True unless paused."""
        return self.paused_at is None


@dataclass(frozen=True)
class ClockPosition:
    """Where the clock stands at one moment."""

    level_index: int
    remaining_s: float
    level_started_at: float  # epoch seconds at which this level would have begun at the current pace
    running: bool
    finished: bool  # past the end of the last level (remaining_s is 0)


def verify_levels(levels: list[BlindLevel]) -> None:
    """Raise ValueError unless `levels` is a usable structure (at least one level)."""
    if not levels:
        raise ValueError("a blind structure needs at least one level")


def clock_position(levels: list[BlindLevel], anchor: ClockAnchor, now: float) -> ClockPosition:
    """The level and time left at `now` (epoch s), walking the structure from the anchor."""
    verify_levels(levels)
    if not 0 <= anchor.level_index < len(levels):
        raise ValueError(f"level index {anchor.level_index} is outside the structure (0..{len(levels) - 1})")
    until = anchor.paused_at if anchor.paused_at is not None else now
    elapsed = until - anchor.started_at - anchor.paused_total_s - anchor.added_s
    index = anchor.level_index
    # Added time longer than what has elapsed leaves the level with more than its duration.
    while elapsed >= levels[index].duration_s and index < len(levels) - 1:
        elapsed -= levels[index].duration_s
        index += 1
    remaining = levels[index].duration_s - elapsed
    finished = remaining <= 0
    return ClockPosition(
        level_index=index,
        remaining_s=max(0.0, remaining),
        level_started_at=until - elapsed,
        running=anchor.running and not finished,
        finished=finished,
    )


def pause(anchor: ClockAnchor, now: float) -> ClockAnchor:
    """The anchor paused at `now` (unchanged when already paused)."""
    return anchor if anchor.paused_at is not None else replace(anchor, paused_at=now)


def resume(anchor: ClockAnchor, now: float) -> ClockAnchor:
    """The anchor running again from `now` (unchanged when running)."""
    if anchor.paused_at is None:
        return anchor
    return replace(anchor, paused_total_s=anchor.paused_total_s + (now - anchor.paused_at), paused_at=None)


def add_time(anchor: ClockAnchor, seconds: float) -> ClockAnchor:
    """The anchor with `seconds` added to the level (negative removes time; past zero the next level starts)."""
    return replace(anchor, added_s=anchor.added_s + seconds)


def jump_to_level(levels: list[BlindLevel], anchor: ClockAnchor, level_index: int, now: float) -> ClockAnchor:
    """The anchor restarted at the beginning of `level_index` at `now`, paused if it was paused."""
    verify_levels(levels)
    if not 0 <= level_index < len(levels):
        raise ValueError(f"no level {level_index}: the structure has levels 0..{len(levels) - 1}")
    return ClockAnchor(level_index=level_index, started_at=now, paused_at=now if anchor.paused_at is not None else None)


def start(level_index: int, now: float, *, paused: bool = False) -> ClockAnchor:
    """A new anchor: `level_index` begins at `now` (paused at its full duration if `paused`)."""
    return ClockAnchor(level_index=level_index, started_at=now, paused_at=now if paused else None)
