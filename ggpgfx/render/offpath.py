"""Drawing state changes off the frame path: a background thread draws what a new TableState changes, and
frames keep showing the last state whose drawing is complete, so no frame waits for a redraw.

The contract (what `render.overlay` relies on, and what a latency measurement sees):

* `submit(state, pts)` hands the newest state to the drawing thread (a newer one replaces one not yet
  started: only the newest matters) and returns at once.
* `shown()` is the state frames should draw now: the newest state whose changed elements are all drawn
  and converted. The first frame that asks after a drawing completes gets it — drawing off the path adds
  no frame of latency beyond the drawing itself.
* The frame path then calls `Scene.layers(shown, pts)` as usual; the elements the thread drew are taken
  from `Scene.prepared` instead of being drawn again. Anything the thread did not draw (a count-up step,
  the action clock's next second) is drawn inline, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ggpgfx.poker.messages import TableState
from ggpgfx.render.draw import deferred, finish, recording
from ggpgfx.render.layers import layer_from_rgba
from ggpgfx.render.scene import Prepared, Scene


class BackgroundRenderer:
    """One drawing thread per scene; `shown()` is what frames draw."""

    def __init__(self, scene: Scene, shown: TableState | None = None, name: str = "overlay-render") -> None:
        self.scene = scene
        self._cond = threading.Condition()
        self._pending: tuple[TableState | None, int] | None = None
        self._shown = shown  # what frames draw until the first background drawing completes
        self._stopping = False
        self._busy = False
        #: the exception a drawing raised (the thread stops drawing; `raise_error` re-raises it on the frame path)
        self.error: BaseException | None = None
        self.renders = 0
        self.render_ns = 0  # thread CPU spent drawing (off the frame path)
        self.last_render_ms = 0.0
        self.max_render_ms = 0.0
        #: called under the scene lock after each `Scene.wanted` (which moves count-up and clock state): a
        #: recorder logs it so a re-render replays the same scene (`ggpgfx.render.record`)
        self.on_wanted: Callable[[TableState | None, int], None] | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, state: TableState | None, pts: int) -> None:
        """Draw this state's changes in the background (replacing a submitted state not yet started)."""
        with self._cond:
            self._pending = (state, pts)
            self._cond.notify()

    def raise_error(self) -> None:
        """Re-raise, on the caller's thread, what a background drawing raised (a bad skin asset, a bug)."""
        if self.error is not None:
            raise self.error

    def shown(self) -> TableState | None:
        """The newest state whose drawing is complete (the state given at creation before any completed)."""
        return self._shown

    def idle(self, timeout_s: float = 5.0) -> bool:
        """Wait until nothing is pending or drawing (tests and offline flushing); False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._pending is not None or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        """Stop the thread (a drawing in progress finishes first)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                if self._stopping or self._pending is None:
                    return
                (state, pts), self._pending = self._pending, None
                self._busy = True
            try:
                self._render(state, pts)
            except Exception as exc:  # kept for the frame path: the node fails as an inline drawing would
                self.error = exc
                with self._cond:
                    self._stopping = True
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _render(self, state: TableState | None, pts: int) -> None:
        began, began_cpu = time.perf_counter(), time.thread_time_ns()
        scene = self.scene
        with scene.lock:  # the answers are cheap; only the drawing below runs unlocked
            wanted = scene.wanted(state, pts)
            if self.on_wanted is not None:
                self.on_wanted(state, pts)
            current = {name: element.key for name, element in scene.elements.items() if element.leaving_at is None}
            # each element's last drawing (picture, composites, layer): the new one redoes only what differs
            last = {name: (element.image, element.ops, element.current_layer())
                    for name, element in scene.elements.items()}
            carried = {key: item for key, item in scene.prepared.items() if key[0] in wanted}
        fresh: dict[tuple[str, object], Prepared] = {}
        for name, want in wanted.items():
            key = (name, want.key)
            if key in carried or (name in current and current[name] == want.key):
                continue
            before_image, before_ops, before_layer = last.get(name, (None, None, None))
            with recording() as record, deferred() as held:
                image = want.draw()
            ops = finish(image, held, (before_image, before_ops) if before_image is not None and before_ops is not None
                         else None)
            if held.dirty is not None and before_layer is not None:
                layer = layer_from_rgba(image, previous=before_layer, region=held.dirty)
            else:
                layer = layer_from_rgba(image)
            fresh[key] = Prepared(image, record, layer, ops)
        with scene.lock:
            scene.prepared = {**carried, **fresh}
            self._shown = state
        self.renders += 1
        self.render_ns += time.thread_time_ns() - began_cpu
        self.last_render_ms = (time.perf_counter() - began) * 1000
        self.max_render_ms = max(self.max_render_ms, self.last_render_ms)
