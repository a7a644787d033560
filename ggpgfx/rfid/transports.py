"""Reader transports feeding a ReadProcessor: TCP client, serial (pyserial URLs), HTTP push server.

Each runs one background thread, reconnects with backoff, and never lets a bad line or a dropped
connection escape as an exception.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from ggpgfx.errors import ConfigError
from ggpgfx.rfid.protocol import MAX_LINE
from ggpgfx.rfid.reader import ReadProcessor

log = logging.getLogger(__name__)


class LineSplitter:
    """Bytes in, complete lines out; over-long lines are dropped and counted as garbage."""

    def __init__(self, processor: ReadProcessor) -> None:
        self.processor = processor
        self.buffer = b""
        self.discarding = False

    def push(self, data: bytes) -> None:
        """Feed received bytes; complete lines go to the processor."""
        self.buffer += data
        if self.discarding:  # the rest of an over-long line, already counted once
            if b"\n" not in self.buffer:
                self.buffer = b""
                return
            self.buffer = self.buffer.split(b"\n", 1)[1]
            self.discarding = False
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.processor.feed(line.rstrip(b"\r"))
        if len(self.buffer) > MAX_LINE:  # no newline in sight: garbage, skip to the next newline
            self.processor.feed(self.buffer[: MAX_LINE + 1])
            self.buffer = b""
            self.discarding = True


class Transport:
    """Base: a background thread that feeds lines into `processor` until `stop()`."""

    def __init__(self, processor: ReadProcessor) -> None:
        self.processor = processor
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"ggp-rfid-{type(self).__name__}", daemon=True)

    def start(self) -> None:
        """Start the background thread."""
        self.thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop and join."""
        self.stopped.set()
        self._close()
        self.thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Unblock the thread (close sockets)."""


class TcpTransport(Transport):
    """Connects to a reader's TCP port and reads protocol lines; reconnects with backoff."""

    def __init__(self, processor: ReadProcessor, host: str, port: int) -> None:
        super().__init__(processor)
        self.host, self.port = host, port
        self.sock: socket.socket | None = None

    def _run(self) -> None:
        backoff = 0.1
        while not self.stopped.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
            except OSError as exc:
                self.processor.last_error = f"connect {self.host}:{self.port}: {exc}"
                self.stopped.wait(backoff)
                backoff = min(2.0, backoff * 2)
                continue
            backoff = 0.1
            self.sock = sock
            sock.settimeout(0.5)
            self.processor.set_connected(True)
            splitter = LineSplitter(self.processor)
            try:
                while not self.stopped.is_set():
                    try:
                        data = sock.recv(4096)
                    except TimeoutError:
                        continue
                    if not data:
                        break
                    splitter.push(data)
            except OSError as exc:
                self.processor.last_error = f"read: {exc}"
            finally:
                self.processor.set_connected(False)
                sock.close()
                self.sock = None

    def _close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SerialTransport(Transport):
    """Reads protocol lines from a serial port (any pyserial URL: /dev/ttyUSB0, socket://, rfc2217://)."""

    def __init__(self, processor: ReadProcessor, url: str, baudrate: int = 115200) -> None:
        super().__init__(processor)
        self.url, self.baudrate = url, baudrate
        self.port: Any = None

    def _run(self) -> None:
        import serial

        backoff = 0.1
        while not self.stopped.is_set():
            try:
                self.port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.3)
            except (serial.SerialException, OSError, ValueError) as exc:
                self.processor.last_error = f"open {self.url}: {exc}"
                self.stopped.wait(backoff)
                backoff = min(2.0, backoff * 2)
                continue
            backoff = 0.1
            self.processor.set_connected(True)
            splitter = LineSplitter(self.processor)
            try:
                while not self.stopped.is_set():
                    data = self.port.read(self.port.in_waiting or 1)
                    if data:
                        splitter.push(data)
            except (serial.SerialException, OSError) as exc:
                self.processor.last_error = f"serial: {exc}"
            finally:
                self.processor.set_connected(False)
                try:
                    self.port.close()
                except Exception:  # closing a dead port may raise anything; it is gone either way
                    pass

    def _close(self) -> None:
        if self.port is not None:
            try:
                self.port.cancel_read()
            except Exception:  # not every pyserial backend supports cancel_read
                pass


class HttpPushTransport(Transport):
    """Listens for readers that push: POST /reads with protocol lines (text) or {"lines": [...]}; GET /health."""

    def __init__(self, processor: ReadProcessor, host: str, port: int) -> None:
        super().__init__(processor)
        processor_ref = processor

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                log.debug(format, *args)

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                if self.path.rstrip("/") == "/health":
                    self._reply(200, processor_ref.health().model_dump())
                else:
                    self._reply(404, {"error": "not found; use POST /reads or GET /health"})

            def do_POST(self) -> None:  # noqa: N802 - stdlib naming
                if self.path.rstrip("/") != "/reads":
                    self._reply(404, {"error": "not found; use POST /reads"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > 1_000_000:
                    self._reply(413, {"error": "body over 1 MB"})
                    return
                body = self.rfile.read(length)
                lines: list[Any]
                if "json" in (self.headers.get("Content-Type") or ""):
                    try:
                        lines = list(json.loads(body).get("lines", []))
                    except (ValueError, AttributeError, TypeError):
                        processor_ref.feed(body[:MAX_LINE + 1] or b"")
                        self._reply(400, {"error": 'expected JSON {"lines": ["TAG 1 E004..."]}'})
                        return
                else:
                    lines = body.split(b"\n")
                accepted = 0
                for line in lines:
                    if line in (b"", ""):
                        continue
                    processor_ref.feed(line if isinstance(line, bytes | str) else str(line))
                    accepted += 1
                self._reply(200, {"accepted": accepted})

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def _run(self) -> None:
        self.processor.set_connected(True)
        try:
            self.server.serve_forever(poll_interval=0.2)
        finally:
            self.processor.set_connected(False)

    def _close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def open_transport(source: str, processor: ReadProcessor, baudrate: int = 115200) -> Transport:
    """A transport for `tcp://host:port`, `serial:<device or pyserial URL>` or `http://host:port` (listen)."""
    if source.startswith("serial:"):
        return SerialTransport(processor, source[len("serial:"):], baudrate)
    url = urlparse(source)
    if url.scheme in ("tcp", "http") and url.hostname and url.port is not None:
        if url.scheme == "tcp":
            return TcpTransport(processor, url.hostname, url.port)
        return HttpPushTransport(processor, url.hostname, url.port)
    raise ConfigError(f"bad RFID source {source!r}: expected tcp://HOST:PORT, serial:/dev/ttyUSB0 "
                      "(or serial:socket://HOST:PORT) or http://HOST:PORT (push endpoint)")
