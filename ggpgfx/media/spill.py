"""A FIFO of (due time, item) with bounded memory: beyond a byte budget, items go to files on disk.

Order is kept by one rule: while anything is on disk, new items go to disk too, and the head is always
taken from memory first (memory only ever holds items older than every item on disk).
"""

from __future__ import annotations

import pickle
import struct
from collections import deque
from pathlib import Path
from typing import Any, BinaryIO

_HEADER = struct.Struct("<dI")  # due time, payload length


class SpillQueue:
    """FIFO with `memory_bytes` kept in RAM and the rest appended to rotating files under `folder`."""

    def __init__(self, folder: str | Path, memory_bytes: int, file_bytes: int = 64 << 20,
                 size_of: Any = None) -> None:
        self.folder = Path(folder)
        self.memory_limit = memory_bytes
        self.file_bytes = file_bytes
        self.size_of = size_of or (lambda item: len(getattr(item, "data", b"")) + 200)
        self._memory: deque[tuple[float, Any, int]] = deque()
        self.memory_bytes = 0
        self.peak_memory_bytes = 0
        self.disk_items = 0
        self.disk_bytes = 0
        self.spilled_items = 0
        self._files: deque[Path] = deque()
        self._writer: BinaryIO | None = None
        self._written = 0
        self._reader: BinaryIO | None = None
        self._disk_head: tuple[float, Any] | None = None
        self._serial = 0

    def __len__(self) -> int:
        return len(self._memory) + self.disk_items

    # -- writing ------------------------------------------------------------------------------------
    def push(self, due: float, item: Any) -> None:
        """Append an item due at `due` (seconds on any monotonic clock)."""
        size = self.size_of(item)
        if self.disk_items == 0 and self.memory_bytes + size <= self.memory_limit:
            self._memory.append((due, item, size))
            self.memory_bytes += size
            self.peak_memory_bytes = max(self.peak_memory_bytes, self.memory_bytes)
            return
        payload = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        writer = self._writer_for(len(payload))
        writer.write(_HEADER.pack(due, len(payload)))
        writer.write(payload)
        writer.flush()
        self._written += _HEADER.size + len(payload)
        self.disk_items += 1
        self.disk_bytes += _HEADER.size + len(payload)
        self.spilled_items += 1

    def _writer_for(self, size: int) -> BinaryIO:
        if self._writer is None or self._written + size > self.file_bytes:
            if self._writer is not None:
                self._writer.close()
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"spill-{self._serial:06d}.bin"
            self._serial += 1
            self._files.append(path)
            self._writer = open(path, "wb")  # noqa: SIM115 - kept open across pushes
            self._written = 0
        return self._writer

    # -- reading ------------------------------------------------------------------------------------
    def peek_due(self) -> float | None:
        """Due time of the oldest item, or None when empty."""
        if self._memory:
            return self._memory[0][0]
        head = self._read_head()
        return None if head is None else head[0]

    def pop(self) -> tuple[float, Any]:
        """Remove and return the oldest (due, item); IndexError when empty."""
        if self._memory:
            due, item, size = self._memory.popleft()
            self.memory_bytes -= size
            return due, item
        head = self._read_head()
        if head is None:
            raise IndexError("pop from an empty SpillQueue")
        self._disk_head = None
        self.disk_items -= 1
        return head

    def _read_head(self) -> tuple[float, Any] | None:
        if self._disk_head is not None or self.disk_items == 0:
            return self._disk_head
        while True:
            if self._reader is None:
                self._reader = open(self._files[0], "rb")  # noqa: SIM115
            header = self._reader.read(_HEADER.size)
            if len(header) == _HEADER.size:
                due, length = _HEADER.unpack(header)
                self._disk_head = (due, pickle.loads(self._reader.read(length)))
                self.disk_bytes -= _HEADER.size + length
                return self._disk_head
            # this file is used up: delete it, unless the writer is still appending to it
            if len(self._files) == 1:
                return None
            self._reader.close()
            self._reader = None
            self._files.popleft().unlink(missing_ok=True)

    def close(self) -> None:
        """Close and delete every spill file."""
        for handle in (self._writer, self._reader):
            if handle is not None:
                handle.close()
        self._writer = self._reader = None
        for path in self._files:
            path.unlink(missing_ok=True)
        self._files.clear()
        self._memory.clear()
        self.memory_bytes = self.disk_items = self.disk_bytes = 0
