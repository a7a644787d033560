"""Transports over real sockets on 127.0.0.1: TCP client, serial via pyserial's socket:// URL, HTTP push."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest

from ggpgfx.errors import ConfigError
from ggpgfx.rfid.deck import AntennaMap, DeckRegistration, DeckRegistry, simulated_deck
from ggpgfx.rfid.reader import ReadProcessor
from ggpgfx.rfid.simulator import ReaderSimulator, SimulatorConfig
from ggpgfx.rfid.transports import open_transport


def _wait(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class LineServer:
    """A tiny TCP reader stand-in that sends scripted bytes to whoever connects."""

    def __init__(self, payload: bytes) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.payload = payload
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        client, _ = self.server.accept()
        time.sleep(0.3)  # pyserial's socket:// open() flushes whatever arrived before it returned
        for i in range(0, len(self.payload), 7):  # split lines across packets on purpose
            client.sendall(self.payload[i:i + 7])
            time.sleep(0.001)
        time.sleep(0.2)
        client.close()
        self.server.close()


@pytest.mark.network
@pytest.mark.parametrize("scheme", ["tcp", "serial"])
def test_lines_split_across_packets_and_garbage_survive(scheme: str) -> None:
    deck = simulated_deck(0)
    uid = {c: u for u, c in deck.tags.items()}
    payload = (f"HELLO table-7 1\nTAG 1 {uid['Ah']}\r\n" + "Z" * 600 + f"\nTAG 11 {uid['2c']}\nnonsense\n").encode()
    server = LineServer(payload)
    proc = ReadProcessor(deck, AntennaMap())
    url = f"tcp://127.0.0.1:{server.port}" if scheme == "tcp" else f"serial:socket://127.0.0.1:{server.port}"
    transport = open_transport(url, proc)
    transport.start()
    try:
        assert _wait(lambda: proc.counters["emitted"] == 2 and proc.counters["garbage"] == 2)
        assert proc.reader_id == "table-7"
        assert [r["card"] for r in proc.drain()] == ["Ah", "2c"]
        assert _wait(lambda: proc.counters["disconnects"] >= 1)  # the reader hung up: reported, no crash
    finally:
        transport.stop()


@pytest.mark.network
def test_http_push_endpoint_accepts_text_and_json() -> None:
    deck = simulated_deck(0)
    uid = {c: u for u, c in deck.tags.items()}
    proc = ReadProcessor(deck, AntennaMap())
    transport = open_transport("http://127.0.0.1:0", proc)
    transport.start()
    base = f"http://127.0.0.1:{transport.port}"  # type: ignore[attr-defined]
    try:
        text = urllib.request.Request(base + "/reads", data=f"TAG 2 {uid['Qs']}\nbad\n".encode(), method="POST")
        assert json.loads(urllib.request.urlopen(text, timeout=5).read()) == {"accepted": 2}
        body = json.dumps({"lines": [f"TAG 3 {uid['Jd']}"]}).encode()
        request = urllib.request.Request(base + "/reads", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()
        health = json.loads(urllib.request.urlopen(base + "/health", timeout=5).read())
        assert health["connected"] and health["counters"]["emitted"] == 2 and health["counters"]["garbage"] == 1
        assert [(r["seat"], r["card"]) for r in proc.drain()] == [(2, "Qs"), (3, "Jd")]
    finally:
        transport.stop()


def test_bad_sources_and_calibration_are_config_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = ReadProcessor(DeckRegistry(), AntennaMap())
    with pytest.raises(ConfigError, match="bad RFID source"):
        open_transport("udp://1.2.3.4:5", proc)
    with pytest.raises(ConfigError, match="seat must be 1..10"):
        AntennaMap.parse({"1": "seat:11"})
    assert AntennaMap.parse({"1": "board", "2": "seat:4"}).zone(2) == ("seat", 4)
    bad = tmp_path / "deck.json"
    bad.write_text('{"tags": {"E0041111": "Ah", "E0042222": "Ah"}}')
    with pytest.raises(ConfigError, match="already has a tag"):
        DeckRegistry.load(bad)


@pytest.mark.network
def test_registration_against_the_simulator_saves_a_deck(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sim = ReaderSimulator(SimulatorConfig(mode="register", speed=20, duplicate_rate=0.3, garbage_rate=0.2)).start()
    proc = ReadProcessor(DeckRegistry(), AntennaMap(), emit_unregistered=True)
    transport = open_transport(f"tcp://127.0.0.1:{sim.port}", proc)
    registration = DeckRegistration("club-deck")
    transport.start()
    try:
        deadline = time.monotonic() + 20
        while registration.next_card is not None and time.monotonic() < deadline:
            for row in proc.drain():
                registration.offer(row["tag_uid"])
            time.sleep(0.01)
    finally:
        transport.stop()
        sim.stop()
    assert registration.next_card is None
    path = tmp_path / "deck.json"
    registration.registry.save(path)
    loaded = DeckRegistry.load(path)
    assert loaded.tags == sim.deck.tags and loaded.deck_id == "club-deck"


def test_hostile_calibration_and_deck_files_are_config_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A tenant's antenna map or deck file with an alias bomb or deep nesting: one clear error, no blow-up."""
    rows = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    rows += [f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]" for p, n in zip("abcdefg", "bcdefgh", strict=True)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(rows) + "\n1: *h\n")  # str() of antenna 1's zone would be 10^8 values long
    with pytest.raises(ConfigError, match="more than 100000 values"):
        AntennaMap.parse(bomb)
    deep = tmp_path / "deep.yaml"
    deep.write_text("1: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="nesting deeper than 64"):
        AntennaMap.parse(deep)
    nested = tmp_path / "nested.yaml"
    nested.write_text("1: {seat: 3}\n")
    with pytest.raises(ConfigError, match="antenna 1: bad zone"):
        AntennaMap.parse(nested)
    deck = tmp_path / "deep.json"
    deck.write_text('{"tags": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ConfigError, match="bad deck file .*nested too deeply"):
        DeckRegistry.load(deck)
