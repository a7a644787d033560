"""`ggp serve` keeps its ports (issue #20 item 12): a busy port is a one-line error naming the option to
change, and no other process can take the API ports while Ray and Serve start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from svc_helpers import free_port, healthy, stop


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RAY_", "GGP_DATABASE_URL"))}
    env.update(GGP_HOME=str(home), RAY_AUTH_MODE="disabled", PYTHONUNBUFFERED="1")
    return env


def _occupied() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock, int(sock.getsockname()[1])


@pytest.mark.parametrize(("args", "option"), [
    (["--port", "{busy}"], "--port"),
    (["--port", "{free}", "--proxy-port", "{busy}"], "--proxy-port"),
    (["--plain", "--port", "{busy}"], "--port"),
])
def test_busy_port_is_a_clear_error(tmp_path: Path, args: list[str], option: str) -> None:
    sock, busy = _occupied()
    try:
        argv = [a.format(busy=busy, free=free_port()) for a in args]
        done = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "serve", *argv], env=_env(tmp_path),
                              capture_output=True, text=True, timeout=120)
    finally:
        sock.close()
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"port {busy}" in lines[0] and option in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def _handed(log_path: Path) -> set[int]:
    """The ports `ggp serve` has said it handed to Serve so far."""
    return {int(word) for line in log_path.read_text().splitlines() if "handed to Serve" in line
            for word in line.split() if word.isdigit()}


@pytest.mark.ray
@pytest.mark.slow
def test_ports_are_held_while_serve_starts(tmp_path: Path) -> None:
    """Another process trying to bind the API ports while Ray starts never gets them, and the API comes up.

    `ggp serve` hands each port to Serve just before Serve binds it (it says so in its output); the
    intruder tries until then, and the API must come up on both ports afterwards.
    """
    direct, proxy = free_port(), free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "serve", "--port", str(direct),
                                   "--proxy-port", str(proxy)], env=_env(tmp_path), stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    taken: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not healthy(f"http://127.0.0.1:{direct}"):
            assert server.poll() is None, f"ggp serve exited early:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"ggp serve not ready:\n{log_path.read_text()[-3000:]}"
            if "API on" not in log_path.read_text():  # not holding them yet: the process is still starting
                time.sleep(0.1)
                continue
            for port in {direct, proxy} - _handed(log_path):
                intruder = socket.socket()
                intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    intruder.bind(("127.0.0.1", port))
                    intruder.listen(1)
                    # ggp serve says "handed to Serve" before it closes the port: if the bind won, the line is
                    # in the log now unless the port was really left open (reading first and binding second
                    # is not atomic, so a hand-over between the two is not a failure).
                    if port not in _handed(log_path):
                        taken.append(port)
                except OSError:
                    pass
                finally:
                    intruder.close()
            time.sleep(0.2)
        assert taken == [], f"another process could bind {sorted(set(taken))} while ggp serve started"
        assert healthy(f"http://127.0.0.1:{proxy}")
    finally:
        stop(server)
