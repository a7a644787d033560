"""delay.secure: hold encoded packets for a fixed time (seconds to an hour) so hole cards air late.

Memory stays bounded (spill to disk beyond `memory_mb`), the delayed feed starts on a video keyframe,
packets leave in the order they came, and a `countdown` output tells the overlay how long viewers
still wait before the delayed feed begins.
"""

from __future__ import annotations

import math
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import OutputPath
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import Packet
from ggpgfx.media.spill import SpillQueue
from ggpgfx.types import DelayCountdown


class SecureDelayParams(BaseModel):
    """Delay length, memory budget and clock."""

    model_config = ConfigDict(extra="forbid")
    delay_s: float = Field(ge=0, le=3600, description="how long every packet is held")
    memory_mb: float = Field(256, gt=0, description="held in RAM up to this; the rest spills to disk")
    spill_dir: OutputPath | None = Field(None, description="spill folder (default: GGP_HOME/delay/<graph>-<node>)")
    clock: Literal["auto", "wall", "media"] = Field(
        "auto", description="wall: real time after arrival; media: by pts (auto: wall when the graph is realtime)")
    keyframe_start: bool = Field(True, description="start the delayed feed on a video keyframe (False: audio-only)")
    countdown_interval_s: float = Field(1.0, gt=0, description="how often `countdown` updates while buffering")


@register_node
class SecureDelay(Node):
    """Delay packets by a fixed time with bounded memory; start on a keyframe; emit a countdown."""

    type_name = "delay.secure"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"packets": Port(Packet, doc="encoded video (and audio) packets")}
    outputs = {"packets": Port(Packet, doc="the same packets, delay_s later, in order"),
               "countdown": Port(DelayCountdown, doc="seconds until the delayed feed starts, then live")}
    Params = SecureDelayParams

    def setup(self) -> None:
        """Prepare the spill queue and, on the wall clock, the sender thread."""
        p = self.params
        folder = Path(p.spill_dir) if p.spill_dir else \
            self.context.home / "delay" / f"{self.context.graph_name}-{self.id}"
        self.queue = SpillQueue(folder, int(p.memory_mb * 1024 * 1024))
        self.wall = p.clock == "wall" or (p.clock == "auto" and self.context.realtime)
        self.started = False  # a video keyframe (or, audio-only, any packet) has been accepted
        self.live = False  # the delayed feed has begun
        self.dropped_before_keyframe = 0
        self.packets_out = 0
        self.late_max_s = 0.0
        self.late_total_s = 0.0
        self.media_now_us: int | None = None
        self.first_in: float | None = None
        self.next_countdown = 0.0
        self.cond = threading.Condition()
        self.ending = False
        self.thread: threading.Thread | None = None
        if self.wall:
            self.thread = threading.Thread(target=self._sender, name=f"ggp-delay-{self.id}", daemon=True)
            self.thread.start()

    def process(self, port: str, msg: Message) -> None:
        """Accept a packet (from the first keyframe on) and release whatever is due."""
        packet: Packet = msg.payload
        if not self.started:
            if self.params.keyframe_start and not (packet.kind == "video" and packet.keyframe):
                self.dropped_before_keyframe += 1
                return
            self.started = True
        if self.wall:
            now = time.monotonic()
            with self.cond:
                if self.first_in is None:
                    self.first_in = now
                self.queue.push(now + self.params.delay_s, packet)
                self.cond.notify()
                self._report_buffer(now + self.params.delay_s)
            return
        stamp = packet.dts if packet.dts is not None else packet.pts
        stamp_us = int((stamp or 0) * packet.time_base * 1_000_000)
        self.media_now_us = stamp_us if self.media_now_us is None else max(self.media_now_us, stamp_us)
        if self.first_in is None:
            self.first_in = stamp_us / 1e6
        self.queue.push(stamp_us / 1e6 + self.params.delay_s, packet)
        self._release(self.media_now_us / 1e6)
        self._report_buffer(stamp_us / 1e6 + self.params.delay_s)

    def _report_buffer(self, newest_due: float) -> None:
        """Held media time and memory use against the budget (spilling to disk starts at 1.0)."""
        head = self.queue.peek_due()
        self.set_metric("delay_buffer_seconds", 0.0 if head is None else max(0.0, newest_due - head))
        self.set_metric("delay_buffer_fill_ratio", self.queue.memory_bytes / max(1, self.queue.memory_limit))

    # -- releasing ----------------------------------------------------------------------------------
    def _release(self, now: float) -> None:
        """Emit every packet due by `now` (media clock, graph thread)."""
        self._countdown(now)
        while True:
            due = self.queue.peek_due()
            if due is None or due > now:
                return
            self._send(self.queue.pop()[1])

    def _send(self, packet: Packet) -> None:
        if not self.live:
            self.live = True
            self.emit("countdown", DelayCountdown(delay_s=self.params.delay_s, remaining_s=0.0, state="live"),
                      pts=packet.pts_us)
        self.packets_out += 1
        self.emit("packets", packet, pts=packet.pts_us)

    def _countdown(self, now: float) -> None:
        if self.live or self.first_in is None or now < self.next_countdown or not math.isfinite(now):
            return  # (end of a media-clock stream releases at now = inf: no countdown time to stamp)
        remaining = max(0.0, self.first_in + self.params.delay_s - now)
        self.next_countdown = now + self.params.countdown_interval_s
        pts = int(now * 1e6) if not self.wall else 0
        self.emit("countdown", DelayCountdown(delay_s=self.params.delay_s, remaining_s=round(remaining, 3),
                                              state="buffering"), pts=pts)

    def _sender(self) -> None:
        """Wall clock: sleep until the head is due, emit it (the runner sends it from the node's thread)."""
        while True:
            packet: Packet | None = None
            with self.cond:
                due = self.queue.peek_due()
                now = time.monotonic()
                if due is not None and due <= now:
                    packet = self.queue.pop()[1]
                    late = now - due  # how far past its due time the packet leaves (scheduling jitter)
                    self.late_max_s = max(self.late_max_s, late)
                    self.late_total_s += late
                elif due is None and self.ending:
                    return
                else:
                    wait = 0.05 if due is None else min(due - now, 0.05)
                    if not self.live and self.first_in is not None:
                        wait = min(wait, max(0.0, self.next_countdown - now))
                    self.cond.wait(max(wait, 0.0005))
            if packet is not None:
                self._send(packet)  # outside the lock: a slow consumer must not stall process()
            else:
                self._countdown(time.monotonic())

    def stats(self) -> dict[str, Any]:
        """Held packets, memory and disk use, spills, drops before the first keyframe, release lateness."""
        q = self.queue
        return {"held": len(q), "memory_bytes": q.memory_bytes, "peak_memory_bytes": q.peak_memory_bytes,
                "disk_bytes": q.disk_bytes, "spilled": q.spilled_items, "out": self.packets_out,
                "dropped_before_keyframe": self.dropped_before_keyframe,
                "late_max_s": round(self.late_max_s, 6),
                "late_mean_s": round(self.late_total_s / max(1, self.packets_out), 6)}

    def on_eos(self) -> None:
        """Release the rest at its due time (wall clock) or at once (media clock), then end the countdown."""
        if self.thread is not None:
            with self.cond:
                self.ending = True
                self.cond.notify()
            thread = self.thread
            # wait_until, not join: the sender's emits reach the node's thread while we wait
            self.wait_until(lambda: not thread.is_alive(), self.params.delay_s + 30)
        else:
            self._release(float("inf"))
        self.emit("countdown", DelayCountdown(delay_s=self.params.delay_s, remaining_s=0.0, state="ended"))

    def teardown(self) -> None:
        """Stop the sender and delete spill files."""
        if self.thread is not None and self.thread.is_alive():
            with self.cond:
                self.ending = True
                self.queue.close()
                self.cond.notify()
            self.thread.join(2)
        self.queue.close()
        folder = self.queue.folder
        if folder.exists() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
