"""A reader simulator that speaks the line protocol: plays the table simulator's hands as tag frames.

It serves TCP (every connected client gets every line) or pushes to an HTTP endpoint, repeats present
tags every inventory round like a real reader, and injects faults on request: missed tags, duplicated
lines, garbage lines (bad checksums, unknown frames, non-ASCII, over-long) and stray unregistered tags.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ggpgfx.cards.hands import plan_hands
from ggpgfx.poker.phh_script import HAND_GAP_S, Timing, build_script
from ggpgfx.rfid.deck import AntennaMap, DeckRegistry, simulated_deck
from ggpgfx.rfid.protocol import Frame, format_frame


@dataclass
class SimulatorConfig:
    """What to play and which faults to inject."""

    source: str = "phh"  # or "random"
    hands: str | None = None
    max_hands: int | None = None
    players: int = 6
    seed: int = 0
    game: str = "nlhe"  # random hands: a variant code (the table simulator's `game`)
    timing: Timing = field(default_factory=Timing)
    speed: float = 1.0  # >1 plays faster than real time
    inventory_s: float = 0.5  # present tags are reported again this often
    heartbeat_s: float = 1.0
    miss_rate: float = 0.0  # a tag never reported for one placement (a dead or shielded tag)
    duplicate_rate: float = 0.0  # a line sent twice
    garbage_rate: float = 0.0  # a garbage line after a line
    unregistered_rate: float = 0.0  # a stray unknown tag after a line
    mode: str = "play"  # or "register": present all 52 tags one by one on `register_antenna`
    register_antenna: int = 11
    register_interval_s: float = 0.3
    reader_id: str = "ggp-sim"


GARBAGE = [b"TAG 1 NOTHEX!!", b"TAG 99 E0040000AAAA0001", b"FOO BAR", b"TAG 3 E004ABCDEF012345*00",
           "TAG 2 E004\u00e9\u00e9".encode(), b"X" * 300, b"GONE", b"\x00\xff\xfe garbage"]


def timeline(config: SimulatorConfig, deck: DeckRegistry, antennas: AntennaMap) -> list[tuple[float, str, int, str]]:
    """(time s, "in"/"out"/"clear", antenna, uid) events of the configured hands, on the table_sim clock."""
    hands, rng = plan_hands(config.source, config.hands, config.max_hands, config.players, config.seed,
                            config.game)
    uid_of = {card: uid for uid, card in deck.tags.items()}
    events: list[tuple[float, str, int, str]] = []
    start = 0.0
    for number, history in enumerate(hands, start=1):
        steps = build_script(history, number, rng, config.timing, muck_reads=True)
        where: dict[str, int] = {}
        for step in steps:
            t = start + step.t
            for read in step.reads:
                uid = uid_of[read["card"]]
                antenna = antennas.antenna_of(read["zone"], read["seat"])
                if read["card"] in where:
                    events.append((t, "out", where[read["card"]], uid))
                events.append((t, "in", antenna, uid))
                where[read["card"]] = antenna
            if any(a.kind == "end_hand" for a in step.actions):
                events.append((t, "clear", 0, ""))
        start += steps[-1].t + HAND_GAP_S
    return events


class ReaderSimulator:
    """Serves the protocol on TCP (or pushes over HTTP) from a background thread."""

    def __init__(self, config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0,
                 deck: DeckRegistry | None = None, antennas: AntennaMap | None = None,
                 push_url: str | None = None) -> None:
        self.config = config
        self.deck = deck or simulated_deck(config.seed)
        self.antennas = antennas or AntennaMap()
        self.rng = random.Random(config.seed + 104729)
        self.push_url = push_url
        self.clients: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.first_client = threading.Event()
        self.finished = threading.Event()
        self.sent: dict[str, int] = {"lines": 0, "tags": 0, "missed": 0, "duplicates": 0, "garbage": 0,
                                     "unregistered": 0}
        self.missed: set[tuple[int, str]] = set()  # (antenna, uid) placements now in the field, never reported
        self.missed_log: list[tuple[float, int, str]] = []  # (t, antenna, uid) of every missed placement
        self.server: socket.socket | None = None
        if push_url is None:
            self.server = socket.create_server((host, port))
            self.server.settimeout(0.2)
            self.port = self.server.getsockname()[1]
        else:
            self.port = 0
        self._threads = [threading.Thread(target=self._play, name="ggp-rfid-sim", daemon=True)]
        if self.server is not None:
            self._threads.append(threading.Thread(target=self._accept, name="ggp-rfid-sim-accept", daemon=True))

    def start(self) -> ReaderSimulator:
        """Start serving; playback begins when the first client connects (or at once when pushing)."""
        # the script is built before anyone connects, so playback starts the moment a client does
        self.events = timeline(self.config, self.deck, self.antennas) if self.config.mode == "play" else []
        if self.push_url is not None:
            self.first_client.set()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop playing and close every connection."""
        self.stopped.set()
        for thread in self._threads:
            thread.join(2.0)
        with self.lock:
            for client in self.clients:
                client.close()
            self.clients.clear()
        if self.server is not None:
            self.server.close()

    def _accept(self) -> None:
        assert self.server is not None
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            client.sendall(format_frame(Frame("HELLO", text=self.config.reader_id)).encode())
            with self.lock:
                self.clients.append(client)
            self.first_client.set()

    def _send(self, lines: list[bytes]) -> None:
        if not lines:
            return
        self.sent["lines"] += len(lines)
        payload = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
        if self.push_url is not None:
            import urllib.request

            request = urllib.request.Request(self.push_url, data=payload, method="POST",
                                             headers={"Content-Type": "text/plain"})
            try:
                urllib.request.urlopen(request, timeout=2).read()
            except OSError:
                pass  # the receiver is down: a real reader drops pushes too
            return
        with self.lock:
            for client in list(self.clients):
                try:
                    client.sendall(payload)
                except OSError:
                    self.clients.remove(client)
                    client.close()

    def _tag_lines(self, antenna: int, uid: str) -> list[bytes]:
        c, r = self.config, self.rng
        self.sent["tags"] += 1
        line = format_frame(Frame("TAG", antenna, uid, -40 - r.randrange(30)), with_checksum=r.random() < 0.5)
        lines = [line.encode()]
        if r.random() < c.duplicate_rate:
            lines.append(line.encode())
            self.sent["duplicates"] += 1
        if r.random() < c.garbage_rate:
            lines.append(r.choice(GARBAGE))
            self.sent["garbage"] += 1
        if r.random() < c.unregistered_rate:
            lines.append(format_frame(Frame("TAG", antenna, f"E0DEAD{r.randrange(16 ** 10):010X}")).encode())
            self.sent["unregistered"] += 1
        return lines

    def _play(self) -> None:
        c = self.config
        while not self.first_client.wait(0.1):
            if self.stopped.is_set():
                return
        if c.mode == "register":
            self._play_register()
            return
        events = self.events
        present: dict[str, int] = {}
        start = time.monotonic()
        index, next_inventory, next_heartbeat, beat = 0, c.inventory_s, c.heartbeat_s, 0
        while not self.stopped.is_set():
            now = (time.monotonic() - start) * c.speed
            lines: list[bytes] = []
            while index < len(events) and events[index][0] <= now:
                _, kind, antenna, uid = events[index]
                index += 1
                if kind == "clear":
                    lines += [format_frame(Frame("GONE", a, u)).encode() for u, a in present.items()]
                    present.clear()
                    self.missed.clear()
                elif kind == "out":
                    if present.pop(uid, None) is not None:
                        lines.append(format_frame(Frame("GONE", antenna, uid)).encode())
                    self.missed.discard((antenna, uid))
                else:
                    present[uid] = antenna
                    if self.rng.random() < c.miss_rate:
                        self.missed.add((antenna, uid))
                        self.missed_log.append((events[index - 1][0], antenna, uid))
                        self.sent["missed"] += 1
                    if (antenna, uid) not in self.missed:
                        lines += self._tag_lines(antenna, uid)
            if now >= next_inventory:
                next_inventory += c.inventory_s
                for uid, antenna in present.items():
                    if (antenna, uid) not in self.missed:
                        lines += self._tag_lines(antenna, uid)
            if now >= next_heartbeat:
                next_heartbeat += c.heartbeat_s
                beat += 1
                lines.append(format_frame(Frame("HB", seq=beat)).encode())
            self._send(lines)
            if index >= len(events) and not present:
                break
            time.sleep(0.005)
        self.finished.set()

    def _play_register(self) -> None:
        c = self.config
        for uid in list(self.deck.tags):
            if self.stopped.is_set():
                return
            for _ in range(2):  # a card rests on the antenna for a couple of inventory rounds
                self._send(self._tag_lines(c.register_antenna, uid))
                time.sleep(c.register_interval_s / 2 / c.speed)
            self._send([format_frame(Frame("GONE", c.register_antenna, uid)).encode()])
        self.finished.set()


def write_deck(path: str | Path, seed: int = 0) -> DeckRegistry:
    """Write the simulator's deck file (what `ggp rfid register-deck` would produce for its tags)."""
    deck = simulated_deck(seed)
    deck.save(path)
    return deck
