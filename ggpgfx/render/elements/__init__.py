"""Overlay elements: a registry of what can show, each element drawn to a straight-alpha RGBA image.

An element is a function registered under the name its skin places it by (`layouts.*.elements.<name>`):
given the frame (`ElementFrame`: the TableState, time, options, layout), it returns what should show now
(`Wanted`: a content key, how to draw it, where). The scene asks every registered element whose name the
skin places, in draw order, and caches drawings by key; it holds no element-specific branch. Adding an
element is one module in this package (found by `element_types`) plus its skin entry.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from PIL import Image

if TYPE_CHECKING:
    from ggpgfx.poker.messages import TableState
    from ggpgfx.render.layout import Layout
    from ggpgfx.render.options import OverlayOptions
    from ggpgfx.tournament.state import TournamentState


@dataclass
class Wanted:
    """An element the scene should show this frame: content key, how to draw it, where, and entry side."""

    key: Hashable
    draw: Callable[[], Image.Image]
    xy: tuple[int, int]
    enter_from: str | None = None


class SceneClock(Protocol):
    """What an element may ask of the scene beyond the frame: counted numbers and clocks."""

    countdown: tuple[float, float] | None
    first_pts: int | None
    #: (x0, y0, x1, y1) frame boxes of the camera picture the player boxes keep off (its board)
    keep_clear: tuple[tuple[int, int, int, int], ...]

    def counted(self, seat: int, what: str, target: float | None, pts: int) -> float | None:
        """The value to print while counting up to `target`."""
        ...

    def allowed_photo(self, path: str | None) -> str | None:
        """A seat photo's file as the graph's run policy allows it to be read; None: draw no photo."""
        ...


@dataclass
class ElementFrame:
    """What an element sees when asked: the state (None before the first), time, options, layout, its memory.

    Reading `pts` marks the element's answer as time-dependent: the scene then asks it again every frame.
    An element that does not read it (or only passes it to `counted`, which tracks its own count-ups) is
    asked again only when the state or the countdown changes.
    """

    state: TableState | None
    time_us: int
    options: OverlayOptions
    layout: Layout
    scene: SceneClock
    memory: dict[str, Any] = field(default_factory=dict)  # kept per element between frames (clocks)
    #: set when the element read `pts` (its answer may change with time alone)
    used_time: bool = False

    @property
    def pts(self) -> int:
        """This frame's time (µs); reading it makes the scene ask the element again on every frame."""
        self.used_time = True
        return self.time_us

    def counted(self, seat: int, what: str, target: float | None) -> float | None:
        """The value to print while counting up to `target` (the scene asks again only while it counts)."""
        return self.scene.counted(seat, what, target, self.time_us)
    tournament: TournamentState | None = None  # the latest tournament-state message (render.overlay `tournament`)

    def visibility(self, name: str, default: Literal["auto", "on", "off"] = "auto") -> str:
        """The output's choice for an element: its own option field when it has one, else `show[name]`."""
        own = getattr(self.options, name, None)
        if isinstance(own, str) and own in ("auto", "on", "off"):
            return own
        return self.options.show.get(name, default)


WantFunction = Callable[[ElementFrame], dict[str, Wanted]]


@dataclass(frozen=True)
class ElementType:
    """A registered element: skin name, draw order (lower is further back), and whether it follows the table."""

    name: str
    order: int
    want: WantFunction
    table: bool  # asked only while a TableState is shown (not hidden by the operator)


_REGISTRY: dict[str, ElementType] = {}


def register_element(name: str, order: int, table: bool = True) -> Callable[[WantFunction], WantFunction]:
    """Register `want(frame) -> {element id: Wanted}` for the skin element `name`."""
    def decorate(function: WantFunction) -> WantFunction:
        if name in _REGISTRY and _REGISTRY[name].want is not function:
            raise ValueError(f"overlay element {name!r} is registered twice")
        _REGISTRY[name] = ElementType(name, order, function, table)
        return function
    return decorate


def unregister_element(name: str) -> None:
    """Remove an element type (a plugin being reloaded, or a test's own element)."""
    _REGISTRY.pop(name, None)


@cache
def _import_package() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def element_types() -> list[ElementType]:
    """Every registered element (this package's modules imported on first use), back to front."""
    _import_package()
    return sorted(_REGISTRY.values(), key=lambda e: (e.order, e.name))


def bind(function: Callable[..., Image.Image], *args: Any) -> Callable[[], Image.Image]:
    """A drawing deferred until the scene needs it (only when the content key changed)."""
    return lambda: function(*args)
