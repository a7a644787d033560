"""The reader line protocol and the read processor: parsing, checksums, rejections, counters, moves."""

from __future__ import annotations

import pytest

from ggpgfx.rfid.deck import AntennaMap, simulated_deck
from ggpgfx.rfid.protocol import Frame, FrameError, checksum, format_frame, parse_frame
from ggpgfx.rfid.reader import ReadProcessor


def test_round_trip_with_and_without_checksum() -> None:
    frame = Frame("TAG", 3, "E004AABBCCDDEEFF", -52)
    for with_checksum in (True, False):
        assert parse_frame(format_frame(frame, with_checksum)) == frame
    assert format_frame(frame).endswith(f"*{checksum('TAG 3 E004AABBCCDDEEFF -52')}\n")
    assert parse_frame(b"tag 3 e004aabbccddeeff\r\n").uid == "E004AABBCCDDEEFF"


@pytest.mark.parametrize(("line", "kind"), [
    (b"TAG 3 E004AABBCCDDEEFF*00", "bad_checksum"),
    (b"TAG 0 E004AABBCCDDEEFF", "garbage"),
    (b"TAG 3 XYZ", "garbage"),
    (b"TAG 3 E004AABBCCDDEEFF loud", "garbage"),
    (b"\xff\xfe", "garbage"),
    (b"A" * 400, "garbage"),
    (b"", "garbage"),
    (b"HELLO", "garbage"),
])
def test_bad_lines_name_their_counter(line: bytes, kind: str) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(line)
    assert info.value.kind == kind


def _processor() -> tuple[ReadProcessor, dict[str, str]]:
    deck = simulated_deck(1)
    return ReadProcessor(deck, AntennaMap(), absence_s=3.0, move_after_s=0.5), {c: u for u, c in deck.tags.items()}


def test_reads_are_emitted_once_and_rejections_counted() -> None:
    proc, uid = _processor()
    proc.feed(f"TAG 1 {uid['Ah']}", now=0.0)
    proc.feed(f"TAG 1 {uid['Ah']}", now=0.2)  # inventory repeat
    proc.feed(f"TAG 11 {uid['Kd']} -40", now=0.3)
    proc.feed("TAG 40 E004000000000001", now=0.3)  # antenna not calibrated
    proc.feed("TAG 2 E0DEAD0000000001", now=0.3)  # tag not in the deck
    proc.feed("garbage!", now=0.3)
    proc.feed(b"\x00\x01", now=0.3)
    rows = proc.drain()
    assert [(r["zone"], r["seat"], r["card"]) for r in rows] == [("seat", 1, "Ah"), ("board", -1, "Kd")]
    c = proc.counters
    assert (c["repeats"], c["unknown_antenna"], c["unregistered"], c["garbage"]) == (1, 1, 1, 2)
    assert proc.drain() == []


def test_moves_crosstalk_expiry_and_cloned_tags() -> None:
    proc, uid = _processor()
    proc.feed(f"TAG 4 {uid['7c']}", now=0.0)
    proc.feed(f"TAG 5 {uid['7c']}", now=0.1)  # crosstalk from the next seat's antenna: rejected
    proc.feed(f"TAG 12 {uid['7c']}", now=0.2)  # folded into the muck: a move
    proc.feed("TAG 6 E004FFFFFFFFFFFF", now=0.2)
    proc.deck.tags["E004FFFFFFFFFFF0"] = "7c"  # a second tag for the same card
    proc.feed("TAG 6 E004FFFFFFFFFFF0", now=0.3)
    rows = proc.drain()
    assert [(r["zone"], r["card"]) for r in rows] == [("seat", "7c"), ("muck", "7c")]
    assert proc.counters["moves"] == 1 and proc.counters["duplicate_cards"] == 2
    proc.expire(now=10.0)
    assert proc.health(now=10.0).present == 0
    proc.feed(f"TAG 4 {uid['7c']}", now=11.0)  # the next hand deals it again
    assert [r["card"] for r in proc.drain()] == ["7c"]


def test_gone_frees_a_card_and_health_reports_rate() -> None:
    proc, uid = _processor()
    proc.set_connected(True)
    proc.feed(f"TAG 1 {uid['2s']}", now=1.0)
    proc.feed(f"GONE 1 {uid['2s']}", now=1.1)
    proc.feed(f"TAG 2 {uid['2s']}", now=1.2)
    assert [r["seat"] for r in proc.drain()] == [1, 2]
    health = proc.health(now=2.0)
    assert health.connected and health.read_rate == pytest.approx(0.2) and health.last_read_age_s == pytest.approx(0.8)
    assert health.counters["gone"] == 1
