"""The overlay scene: which elements show, their cached images/layers, and enter/exit/count-up animation.

An element is re-drawn only when its content key changes (a seat box when that seat changes), and
converted to a YUVA layer once per drawing; per frame the scene only decides positions and opacity.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from ggpgfx.poker.messages import TableState
from ggpgfx.render.draw import Drawn, Op, deferred, finish, recording
from ggpgfx.render.elements import ElementFrame, Wanted, element_types
from ggpgfx.render.elements.panels import render_ticker_text, ticker_label_width, ticker_text
from ggpgfx.render.formats import ease
from ggpgfx.render.layers import Layer, layer_from_rgba
from ggpgfx.render.layout import Layout
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.skins import Animation, load_skin
from ggpgfx.tournament.state import TournamentState

log = logging.getLogger(__name__)
PHOTO_CHECKS = 256  # seat photo paths whose policy answer is kept (Scene.allowed_photo)

#: Count-up animations advance in steps this long (10 steps a second reads as counting and redraws a third as often as 30 fps).
COUNT_STEP_US = 100_000


@dataclass
class Element:
    """A shown (or leaving) element with its cached drawing and animation clock."""

    key: Hashable
    image: Image.Image
    xy: tuple[int, int]
    enter_from: str
    shown_at: int
    leaving_at: int | None = None
    #: what the drawing drew (texts with their roles, panels, cards), in the image's pixels
    record: list[Drawn] = field(default_factory=list, repr=False)
    #: the composites that made `image` (`draw.finish`), to redraw only what differs next time; None when
    #: the drawing was made directly or ahead of time
    ops: list[Op] | None = field(default=None, repr=False)
    _layer: Layer | None = field(default=None, repr=False)
    #: the layer as last placed (x, y, opacity): reused while the element stands still
    _placed: Layer | None = field(default=None, repr=False)
    #: the last drawing's layer, until the new drawing is converted against it
    _previous: Layer | None = field(default=None, repr=False)
    #: the box in which the new drawing may differ from the one `_previous` was converted from
    _dirty: tuple[int, int, int, int] | None = field(default=None, repr=False)

    def current_layer(self) -> Layer | None:
        """The layer of `image` when it was converted already (None: not yet)."""
        return self._layer

    def forget_previous(self) -> None:
        """Convert the new drawing whole (not against the last one)."""
        self._previous, self._dirty = None, None

    def layer(self) -> Layer:
        """The YUVA layer, converted on first use after each drawing (only the blocks that differ from the
        last drawing's, when there was one: a new stack amount converts the amount, not the whole box)."""
        if self._layer is None:
            self._layer = layer_from_rgba(self.image, previous=self._previous, keep_source=self._dirty is None,
                                          region=self._dirty)
            self._previous, self._dirty = None, None
        return self._layer

    def placed_layer(self, x: int, y: int, opacity: int) -> Layer:
        """The layer at (x, y) with this opacity; the same object as last frame when nothing moved."""
        placed = self._placed
        if placed is None or placed.opacity != opacity or placed.x != (int(x) & ~1) or placed.y != (int(y) & ~1):
            placed = self._placed = self.layer().placed(x, y, opacity)
        return placed

    def redrawn(self, key: Hashable, image: Image.Image, record: list[Drawn], layer: Layer | None = None,
                ops: list[Op] | None = None, dirty: tuple[int, int, int, int] | None = None) -> None:
        """Take a new drawing (its layer is converted on first use unless given). `dirty`: the box outside
        which it equals the last drawing (`draw.finish`), if known."""
        # the box is relative to the last drawing: usable only while that drawing's layer is the previous one
        self._dirty = dirty if layer is None and self._layer is not None else None
        if layer is None:
            self._previous = self._layer or self._previous
        self.key, self.image, self.record, self._layer, self._placed = key, image, record, layer, None
        self.ops = ops


@dataclass
class Prepared:
    """An element drawn ahead of the frame that shows it (by `offpath.BackgroundRenderer`)."""

    image: Image.Image
    record: list[Drawn]
    layer: Layer
    #: its composites (`draw.finish`), so the element's next drawing can redo only what differs
    ops: list[Op] | None = None


@dataclass
class Placed:
    """An element's image where it goes this frame, with its opacity (0..1)."""

    image: Image.Image
    x: int
    y: int
    opacity: float
    element: Element
    name: str = ""


#: The slack a board zone keeps around the cards (a fraction of the frame width, ~6 px at 1280 wide), inside which
#: an element may still reach: a zone calibrated with a margin is not the board itself.
BOARD_SLACK = 0.005


class Scene:
    """Turns TableStates and frame times into placed overlay elements for one output size."""

    def __init__(self, options: OverlayOptions, width: int, height: int) -> None:
        self.options = options
        self.skin = load_skin(options.skin)
        self.layout = Layout(self.skin, width, height, options.chip_format or self.skin.chip_format, options.lang)
        self.elements: dict[str, Element] = {}
        self.redraws = 0
        #: redraw a changed element by compositing and converting only the boxes that differ from its last
        #: drawing (same bytes); False draws and converts it whole (benchmarks/bench_render.py compares both)
        self.redraw_changed_only = True
        self._counts: dict[tuple[int, str], tuple[float, float, int]] = {}
        self.first_pts: int | None = None
        self._memory: dict[str, dict[str, Any]] = {}  # per element type, between frames (its clocks)
        self._owner: dict[str, str] = {}  # element id ("seat:3") -> element type ("players")
        self._ticker: tuple[Image.Image, Layer, int, int, int] | None = None
        #: the ticker text that scrolls (the operator's cue or the param; kept while the ticker leaves)
        self.ticker = options.ticker or ""
        self._ticker_built = ""
        #: (seconds left, delay length) from a delay.secure countdown, when wired; None uses `delay_s`
        self.countdown: tuple[float, float] | None = None
        #: the run policy's check of a seat photo's path (the overlay node sets it under a policy): the path to
        #: read, or PolicyError; None (no policy: a local run) reads the path as given
        self.photo_guard: Callable[[str], str] | None = None
        self._photos: dict[str, str | None] = {}
        # answers of elements that depend only on the state and countdown, reused until either changes
        self._answers: dict[str, dict[str, Wanted]] = {}
        self._answered: tuple[Any, ...] | None = None
        self._counting = False  # set by counted() while a count-up runs (the asking element is time-dependent)
        #: the latest tournament-state message and the pts it arrived at (its clock counts down from there)
        self.tournament: TournamentState | None = None
        self.tournament_since: int | None = None
        #: the table's stacks by player name after its last finished hand, and the tournament state with them
        self._table_stacks: dict[str, int] = {}
        #: (x0, y0, x1, y1) frame boxes of the camera picture the player boxes must leave visible (its board)
        self.keep_clear: tuple[tuple[int, int, int, int], ...] = ()
        self._field: tuple[Any, ...] | None = None
        self._base_chip_format = self.layout.chip_format
        #: drawings made ahead by a background renderer, by (element id, content key); taken instead of drawing
        self.prepared: dict[tuple[str, Hashable], Prepared] = {}
        #: held by whoever asks or updates the scene while a background renderer shares it
        self.lock = threading.Lock()

    # -- what to show --------------------------------------------------------------------------
    def _counted(self, seat: int, what: str, target: float | None, pts: int) -> float | None:
        """The value to print while counting up to `target` (stacks and equity)."""
        anim = self.skin.animation.count_up
        if target is None or not self.options.animate or anim.type == "none" or anim.duration_ms <= 0:
            return target
        if what == "equity" and self.skin.animation.equity == "jump":
            self._counts.pop((seat, what), None)
            return target
        if (seat, what) not in self._counts:
            self._counts[(seat, what)] = (target, target, pts)
        start, end, since = self._counts[(seat, what)]
        if end != target:
            start, since = self._displayed(start, end, since, pts, anim), pts
            self._counts[(seat, what)] = (start, target, since)
            end = target
        return self._displayed(start, end, since, pts, anim)

    @staticmethod
    def _displayed(start: float, end: float, since: int, pts: int, anim: Animation) -> float:
        # counted numbers step at COUNT_STEP_US, not every frame: each step redraws the element. The first
        # drawing after a change already shows the first step: the number moves on the very next frame
        elapsed = ((pts - since) // COUNT_STEP_US + 1) * COUNT_STEP_US
        progress = elapsed / (anim.duration_ms * 1000)
        if progress >= 1:
            return end
        value = start + (end - start) * ease(anim.easing, progress)
        return round(value) if isinstance(end, int) or float(end).is_integer() and abs(end) > 1 else value

    def allowed_photo(self, path: str | None) -> str | None:
        """A seat photo's file as the run policy allows it (a TableState's `photo` comes from whoever produced
        the state, so it is checked like a graph's file parameter); None: initials are drawn instead."""
        if not path or self.photo_guard is None:
            return path or None
        if path not in self._photos:
            from ggpgfx.policy import PolicyError

            if len(self._photos) >= PHOTO_CHECKS:  # a producer sending ever new paths must not grow it
                self._photos.clear()
            try:
                self._photos[path] = self.photo_guard(path)
            except PolicyError as exc:
                log.warning("seat photo not drawn: %s", exc)
                self._photos[path] = None
        return self._photos[path]

    def counted(self, seat: int, what: str, target: float | None, pts: int) -> float | None:
        """The value to print while counting up to `target` (elements ask this for stacks and equity)."""
        value = self._counted(seat, what, target, pts)
        if value != target:
            self._counting = True
        return value

    def set_tournament(self, state: TournamentState | None, pts: int) -> None:
        """Show this tournament state from `pts` on; the `stacks_in_bb` cue switches every stack to big blinds."""
        if state is not self.tournament:
            if state is None or self.tournament is None or state.clock != self.tournament.clock:
                self.tournament_since = pts
            self.tournament = state
        chip_format = "bb" if state is not None and state.graphics.stacks_in_bb else self._base_chip_format
        if chip_format != self.layout.chip_format:
            self.layout.chip_format = chip_format
            for element in self.elements.values():  # every amount is drawn anew in the new format
                element.key = object()

    def set_camera(self, meta: dict[str, Any]) -> None:
        """Take the board zone of the camera frame under the overlay (`meta["zones"]`, as ingest.table_sim and a
        calibration declare it): the player boxes flow around it, so they never cover the real board."""
        from ggpgfx.render.venue import zone_boxes

        # the zone's outer pixels are the calibration's slack around the cards: a box may touch them
        inset = max(2, round(self.layout.width * BOARD_SLACK))
        self.set_keep_clear(tuple((x0 + inset, y0 + inset, x1 - inset, y1 - inset) for x0, y0, x1, y1 in
                                  zone_boxes(meta, self.layout.width, self.layout.height, "board")
                                  if x1 - x0 > 2 * inset and y1 - y0 > 2 * inset))

    def set_keep_clear(self, boxes: tuple[tuple[int, int, int, int], ...]) -> None:
        """The frame boxes the player column keeps off (from `set_camera`, or a studio replay's recorded ones)."""
        boxes = tuple(tuple(box) for box in boxes)  # type: ignore[misc]
        if boxes != self.keep_clear:
            self.keep_clear = boxes
            self._answered = None  # the player boxes are placed anew

    def _field_for(self, state: TableState | None) -> TournamentState | None:
        """The tournament state the elements draw: the message's, with the chips of the players this table seats
        taken from the table once a hand here has finished (one source of truth for both chip-count boards).

        The same object is returned while neither the message nor the table's settled stacks change."""
        tournament = self.tournament
        if state is not None and state.hand_number and state.street in ("complete", "idle"):
            stacks = {seat.name: seat.stack for seat in state.seats if seat.status != "empty" and seat.name}
            if stacks:
                self._table_stacks = stacks
        if tournament is None or not self._table_stacks:
            return tournament
        field = self._field
        if field is None or field[0] is not tournament or field[1] != self._table_stacks:
            field = self._field = (tournament, dict(self._table_stacks), tournament.with_table_stacks(self._table_stacks))
        return field[2]  # type: ignore[no-any-return]

    def wanted(self, state: TableState | None, pts: int) -> dict[str, Wanted]:
        """Every element this frame should show, keyed by element id: each registered element the skin places."""
        if self.first_pts is None:
            self.first_pts = pts
        table = state is not None and not state.graphics_hidden
        answered = self._answered
        version = state.version if state is not None else -1
        tournament = self._field_for(state)
        if answered is None or answered[0] is not state or answered[1] != version or answered[2] != self.countdown \
                or answered[3] is not tournament or answered[4] != self.layout.chip_format:
            self._answers.clear()
            self._answered = (state, version, self.countdown, tournament, self.layout.chip_format)
        out: dict[str, Wanted] = {}
        for element in element_types():
            if not self.layout.has(element.name) or (element.table and not table):
                continue
            wanted = self._answers.get(element.name)
            if wanted is None:
                memory = self._memory.setdefault(element.name, {})
                frame = ElementFrame(state, pts, self.options, self.layout, self, memory, tournament=tournament)
                self._counting = False
                wanted = element.want(frame)
                for key in wanted:
                    self._owner[key] = element.name
                if not (frame.used_time or self._counting):
                    # same state, same countdown: the same answer next frame (nothing changed costs ~nothing)
                    self._answers[element.name] = wanted
            out.update(wanted)
        return out

    # -- caching and animation ----------------------------------------------------------------------
    def update(self, state: TableState | None, pts: int) -> list[Placed]:
        """Bring the cache up to date for this frame and return placed elements, bottom first."""
        wanted = self.wanted(state, pts)
        if "ticker" in wanted:
            self.ticker = ticker_text(state, self.options) or self.ticker
        default_from = self.skin.animation.enter.direction
        for name, want in wanted.items():
            current = self.elements.get(name)
            if current is None or current.leaving_at is not None:
                box_name = self._owner.get(name, name)
                enter_from = want.enter_from or str(self.layout.extra(box_name, "enter_from", default_from))
                image, record, layer, ops, _ = self._drawing(name, want)
                self.elements[name] = Element(want.key, image, want.xy, enter_from, pts, record=record,
                                              _layer=layer, ops=ops)
                self.redraws += 1
            elif current.key is not want.key and current.key != want.key:
                image, record, layer, ops, dirty = self._drawing(name, want)
                current.redrawn(want.key, image, record, layer, ops, dirty)
                if not self.redraw_changed_only:
                    current.forget_previous()
                self.redraws += 1
            self.elements[name].xy = want.xy
        for name, element in list(self.elements.items()):
            if name not in wanted and element.leaving_at is None:
                element.leaving_at = pts
        return self._placed(pts)

    def _drawing(self, name: str, want: Wanted) -> tuple[Image.Image, list[Drawn], Layer | None, list[Op] | None,
                                                         tuple[int, int, int, int] | None]:
        """The element's drawing: made ahead by a background renderer when there is one, else drawn now
        (only the boxes that differ from its last drawing composited again, `draw.finish`)."""
        if self.prepared:
            ready = self.prepared.pop((name, want.key), None)
            if ready is not None:
                return ready.image, ready.record, ready.layer, ready.ops, None
        current = self.elements.get(name) if self.redraw_changed_only else None
        before = (current.image, current.ops) if current is not None and current.ops is not None else None
        with recording() as record, deferred() as held:
            image = want.draw()
        ops = finish(image, held, before)
        return image, record, None, ops, held.dirty

    def _placed(self, pts: int) -> list[Placed]:
        enter, leave = self.skin.animation.enter, self.skin.animation.exit
        animate = self.options.animate
        result: list[Placed] = []
        for name, element in list(self.elements.items()):
            x, y = element.xy
            opacity = 1.0
            if element.leaving_at is not None:
                progress = (pts - element.leaving_at) / max(1, leave.duration_ms * 1000) if animate else 1.0
                if progress >= 1 or leave.type == "none":
                    del self.elements[name]
                    continue
                opacity = 1.0 - ease(leave.easing, progress)
            elif animate and enter.type != "none" and enter.duration_ms > 0:
                progress = ease(enter.easing, (pts - element.shown_at) / (enter.duration_ms * 1000))
                if enter.type == "fade":
                    opacity = progress
                else:
                    x, y = self._slide(element, x, y, progress)
            result.append(Placed(element.image, x, y, opacity, element, name))
        return result

    def _slide(self, element: Element, x: int, y: int, progress: float) -> tuple[int, int]:
        w, h = element.image.size
        remaining = 1.0 - progress
        if element.enter_from == "left":
            return int(x - (x + w) * remaining), y
        if element.enter_from == "right":
            return int(x + (self.layout.width - x) * remaining), y
        if element.enter_from == "top":
            return x, int(y - (y + h) * remaining)
        return x, int(y + (self.layout.height - y) * remaining)

    def layers(self, state: TableState | None, pts: int) -> list[Layer]:
        """This frame's YUVA layers (cached conversions), including the scrolling ticker text."""
        layers: list[Layer] = []
        for p in self.update(state, pts):
            opacity = int(round(p.opacity * 256))
            layers.append(p.element.placed_layer(p.x, p.y, opacity))
            if p.name == "ticker" and self.ticker:
                layers.append(self._ticker_window(p.x, p.y, opacity, pts))
        return layers

    def drawn(self, placed: list[Placed], pts: int) -> list[tuple[str, Drawn]]:
        """What the placed elements drew, in frame pixels, with the element's name (the audit's input)."""
        result: list[tuple[str, Drawn]] = []
        for p in placed:
            result.extend((p.name, item.moved(p.x, p.y)) for item in p.element.record)
            if p.name == "ticker" and self.ticker:
                _, view_w, view_x = self.ticker_scroll(p.x, pts)
                result.append((p.name, Drawn("text", (view_x, p.y, view_w, p.image.height), self.ticker,
                                             "ticker")))
        return result

    def _ticker_strip(self) -> tuple[Image.Image, Layer, int, int, int]:
        """The ticker text repeated to cover the view plus one loop, as an image and a layer (built per text),
        with the loop width, the view width and the label's width."""
        if self._ticker is None or self._ticker_built != self.ticker:
            lay = self.layout
            label_w = ticker_label_width(lay.word(self.options.ticker_label), lay)
            view_w = (lay.size("ticker")[0] - label_w - lay.px(16)) & ~1
            loop = render_ticker_text(self.ticker, lay, lay.px(120))
            repeats = 1 + math.ceil(view_w / loop.width)
            strip = Image.new("RGBA", (loop.width * (repeats + 1), loop.height), (0, 0, 0, 0))
            for index in range(repeats + 1):
                strip.paste(loop, (index * loop.width, 0))
            self._ticker = (strip, layer_from_rgba(strip), loop.width, view_w, label_w)
            self._ticker_built = self.ticker
        return self._ticker

    def ticker_scroll(self, x: int, pts: int) -> tuple[int, int, int]:
        """(strip column, view width, view x) of the ticker text at this time."""
        lay = self.layout
        _, _, loop_w, view_w, label_w = self._ticker_strip()
        speed = float(lay.extra("ticker", "speed", 120)) * lay.s
        column = int((pts - (self.first_pts or 0)) / 1e6 * speed) % loop_w & ~1
        return column, view_w, x + label_w + lay.px(16)

    def _ticker_window(self, x: int, y: int, opacity: int, pts: int) -> Layer:
        column, view_w, view_x = self.ticker_scroll(x, pts)
        return self._ticker_strip()[1].window(column, view_w, view_x, y).placed(view_x, y, opacity)

    def images(self, state: TableState | None, pts: int) -> list[tuple[Image.Image, int, int, float]]:
        """This frame as RGBA images with positions and opacity (stills and previews, not the frame path)."""
        result = []
        for p in self.update(state, pts):
            result.append((p.image, p.x, p.y, p.opacity))
            if p.name == "ticker" and self.ticker:
                column, view_w, view_x = self.ticker_scroll(p.x, pts)
                strip = self._ticker_strip()[0]
                result.append((strip.crop((column, 0, column + view_w, strip.height)), view_x, p.y, p.opacity))
        return result
