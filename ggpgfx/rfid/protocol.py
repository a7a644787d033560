"""The ggpgfx RFID reader line protocol (v1): one ASCII frame per line, optional NMEA-style checksum.

    HELLO <reader-id> <version>      reader greeting on connect
    TAG <antenna> <uid> [<rssi>]     a tag is in an antenna's field (repeated every inventory round)
    GONE <antenna> <uid>             a tag left the field
    HB [<seq>]                       heartbeat
    ERR <text>                       reader-side error

A frame may end in `*HH`: two hex digits, the XOR of every byte before the `*`. Antennas are 1..64;
UIDs are 8..32 hex digits (normalised to upper case); RSSI is an integer dBm. Lines are at most 256
bytes. Anything else is garbage: counted and dropped, never fatal. See docs/rfid.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROTOCOL_VERSION = "1"
MAX_LINE = 256
_UID = re.compile(r"^[0-9A-Fa-f]{8,32}$")


class FrameError(ValueError):
    """A line that is not a valid protocol frame; `kind` is the counter it belongs to."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Frame:
    """A parsed frame: type, antenna, uid, rssi, text (for HELLO/ERR), seq (for HB)."""

    type: str
    antenna: int = 0
    uid: str = ""
    rssi: int | None = None
    text: str = ""
    seq: int | None = None


def checksum(body: str) -> str:
    """Two hex digits: XOR of the bytes of `body`."""
    value = 0
    for byte in body.encode("ascii", "replace"):
        value ^= byte
    return f"{value:02X}"


def format_frame(frame: Frame, with_checksum: bool = True) -> str:
    """The wire form of a frame, with its newline."""
    if frame.type == "TAG":
        body = f"TAG {frame.antenna} {frame.uid}" + (f" {frame.rssi}" if frame.rssi is not None else "")
    elif frame.type == "GONE":
        body = f"GONE {frame.antenna} {frame.uid}"
    elif frame.type == "HB":
        body = "HB" + (f" {frame.seq}" if frame.seq is not None else "")
    elif frame.type == "HELLO":
        body = f"HELLO {frame.text or 'reader'} {PROTOCOL_VERSION}"
    elif frame.type == "ERR":
        body = f"ERR {frame.text}"
    else:
        raise ValueError(f"unknown frame type {frame.type!r}")
    return (f"{body}*{checksum(body)}" if with_checksum else body) + "\n"


def _antenna(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise FrameError("garbage", f"bad antenna {text!r}: expected 1..64")
    return int(text)


def _uid(text: str) -> str:
    if not _UID.match(text):
        raise FrameError("garbage", f"bad tag uid {text!r}: expected 8..32 hex digits")
    return text.upper()


def parse_frame(raw: bytes | str) -> Frame:
    """Parse one line (with or without its newline); raises FrameError naming the counter."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_LINE:
            raise FrameError("garbage", f"line of {len(raw)} bytes exceeds {MAX_LINE}")
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            raise FrameError("garbage", "line is not ASCII") from None
    else:
        line = raw
        if len(line) > MAX_LINE:
            raise FrameError("garbage", f"line of {len(line)} characters exceeds {MAX_LINE}")
    line = line.strip()
    if not line:
        raise FrameError("garbage", "empty line")
    if "*" in line:
        body, _, given = line.rpartition("*")
        if len(given) != 2 or given.upper() != checksum(body):
            raise FrameError("bad_checksum", f"checksum mismatch in {line!r}")
        line = body
    parts = line.split()
    if not parts:
        raise FrameError("garbage", "a checksum with no frame")
    kind = parts[0].upper()
    if kind == "TAG" and len(parts) in (3, 4):
        rssi = None
        if len(parts) == 4:
            try:
                rssi = int(parts[3])
            except ValueError:
                raise FrameError("garbage", f"bad rssi {parts[3]!r}") from None
        return Frame("TAG", _antenna(parts[1]), _uid(parts[2]), rssi)
    if kind == "GONE" and len(parts) == 3:
        return Frame("GONE", _antenna(parts[1]), _uid(parts[2]))
    if kind == "HB" and len(parts) <= 2:
        seq = int(parts[1]) if len(parts) == 2 and parts[1].isascii() and parts[1].isdigit() else None
        return Frame("HB", seq=seq)
    if kind == "HELLO" and len(parts) >= 2:
        return Frame("HELLO", text=parts[1])
    if kind == "ERR":
        return Frame("ERR", text=" ".join(parts[1:]))
    raise FrameError("garbage", f"unknown frame {line[:40]!r}")
