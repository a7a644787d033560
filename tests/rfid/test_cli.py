"""`ggp rfid simulate` and `ggp rfid register-deck` talking to each other over TCP, as an operator would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from ggpgfx.rfid.deck import simulated_deck

GGP = [sys.executable, "-m", "ggpgfx.cli"]


@pytest.mark.network
def test_register_a_deck_from_the_simulator(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sim = subprocess.Popen([*GGP, "rfid", "simulate", "--port", "0", "--mode", "register", "--speed", "20",
                            "--garbage-rate", "0.3"], stderr=subprocess.PIPE, text=True)
    try:
        assert sim.stderr is not None
        line = sim.stderr.readline()
        match = re.search(r"tcp://127\.0\.0\.1:(\d+)", line)
        assert match, line
        out = tmp_path / "deck.json"
        done = subprocess.run([*GGP, "rfid", "register-deck", "--source", f"tcp://127.0.0.1:{match.group(1)}",
                               "--out", str(out), "--deck-id", "table-3", "--timeout", "60"],
                              capture_output=True, text=True, timeout=90)
        assert done.returncode == 0, done.stderr
        assert "now place 2d" in done.stdout and "saved 52 tags" in done.stdout
        data = json.loads(out.read_text())
        assert data["deck_id"] == "table-3" and data["tags"] == simulated_deck(0).tags
    finally:
        sim.terminate()
        sim.wait(10)


def test_user_mistakes_are_one_line_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    began = time.monotonic()
    done = subprocess.run([*GGP, "rfid", "register-deck", "--source", "udp://nowhere:1", "--out",
                           str(tmp_path / "d.json")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("error: bad RFID source") and "Traceback" not in done.stderr
    done = subprocess.run([*GGP, "rfid", "simulate", "--mode", "dance"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "bad mode" in done.stderr
    assert time.monotonic() - began < 60
