"""A same-machine doorbell for cross-fragment edges: a Unix socket next to the shared-memory ring.

A Ray actor call costs 0.4–2 ms one way on a loaded 2-core machine; a Unix socket wakes the reader in
~0.07 ms. Producers on the consumer's Ray node send each batch header (the frames are in the ring) over
the socket and read the acknowledgements back in order; Ray calls remain for resume, credit polls and EOS.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import socket
import struct
import tempfile
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
_LEN = struct.Struct("<Q")


class LinkBroken(ConnectionError):
    """The other end went away (its actor died or restarted)."""


def _send(sock: socket.socket, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=5)
    sock.sendall(_LEN.pack(len(data)) + data)


class _Records:
    """Length-prefixed records read from a socket through a buffer: usually one `recv` per record (the
    prefix and its record arrive together), where reading the prefix and then the record took two."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def complete(self) -> bool:
        """True when a whole record is buffered (`next` will not read the socket)."""
        if len(self.buffer) < _LEN.size:
            return False
        (size,) = _LEN.unpack_from(self.buffer)
        return len(self.buffer) >= _LEN.size + size

    def next(self) -> Any:
        """The next record (reads the socket until one is whole)."""
        while not self.complete():
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise LinkBroken("connection closed")
            self.buffer += chunk
        (size,) = _LEN.unpack_from(self.buffer)
        end = _LEN.size + size
        data = bytes(self.buffer[_LEN.size: end])
        del self.buffer[:end]
        return pickle.loads(data)


def socket_dir() -> str:
    """A short private folder for socket files (Unix socket paths are limited to ~107 bytes)."""
    path = os.path.join(tempfile.gettempdir(), f"ggps-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


class SocketServer:
    """Consumer side: accepts producer connections; `handler(edge, replica, record)` answers each record."""

    def __init__(self, name: str, handler: Callable[[int, int, Any], Any]) -> None:
        self.path = os.path.join(socket_dir(), f"{name}.sock")
        self.handler = handler
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock.bind(self.path)
        self.sock.listen(64)
        self.closed = False
        threading.Thread(target=self._accept, name="ggp-sock-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="ggp-sock-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            records = _Records(conn)
            edge, replica = records.next()
            while True:
                _send(conn, self.handler(edge, replica, records.next()))
        except (LinkBroken, OSError):
            pass
        except Exception:  # a decoding bug must not kill the process silently
            log.exception("socket edge handler failed")
        finally:
            conn.close()

    def close(self) -> None:
        """Stop accepting and remove the socket file."""
        self.closed = True
        try:
            self.sock.close()
            os.unlink(self.path)
        except OSError:
            pass


class SocketLink:
    """Producer side: one connection to a consumer's server for one edge."""

    def __init__(self, path: str, edge: int, replica: int) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.records = _Records(self.sock)
        _send(self.sock, (edge, replica))

    def send(self, record: Any) -> None:
        """Send one record (raises LinkBroken when the consumer is gone)."""
        try:
            _send(self.sock, record)
        except OSError as exc:
            raise LinkBroken(str(exc)) from None

    def ready(self, timeout: float) -> bool:
        """True when an acknowledgement can be read without waiting longer than `timeout`."""
        if self.records.complete():
            return True
        readable, _, _ = select.select([self.sock], [], [], timeout)
        return bool(readable)

    def recv(self) -> Any:
        """The next acknowledgement, in order."""
        try:
            return self.records.next()
        except OSError as exc:
            raise LinkBroken(str(exc)) from None

    def close(self) -> None:
        """Close the connection."""
        try:
            self.sock.close()
        except OSError:
            pass


def remove_run_sockets(run_id: str) -> None:
    """Remove socket files a killed actor of this run could not remove itself."""
    folder = socket_dir()
    for name in os.listdir(folder):
        if name.startswith(f"{run_id}-"):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
