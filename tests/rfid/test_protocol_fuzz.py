"""Hypothesis on the RFID frame parser: any bytes give a Frame or a FrameError, and frames round-trip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ggpgfx.rfid.protocol import MAX_LINE, Frame, FrameError, format_frame, parse_frame

FUZZ = settings(max_examples=400, deadline=200, derandomize=True)


@FUZZ
@given(st.binary(max_size=MAX_LINE + 8))
def test_any_bytes(raw: bytes) -> None:
    try:
        assert isinstance(parse_frame(raw), Frame)
    except FrameError as error:
        assert error.kind in ("garbage", "bad_checksum")


@FUZZ
@given(st.text(max_size=80).map(lambda t: t + "*" + t[:2]))
def test_any_text_with_a_checksum_mark(line: str) -> None:
    try:
        parse_frame(line)
    except FrameError:
        pass


uids = st.text("0123456789ABCDEF", min_size=8, max_size=32)
frames = st.one_of(
    st.builds(Frame, st.just("TAG"), st.integers(1, 64), uids, st.none() | st.integers(-120, 0)),
    st.builds(Frame, st.just("GONE"), st.integers(1, 64), uids),
    st.builds(lambda seq: Frame("HB", seq=seq), st.none() | st.integers(0, 10**9)),
)


@FUZZ
@given(frames, st.booleans())
def test_frames_round_trip(frame: Frame, with_checksum: bool) -> None:
    assert parse_frame(format_frame(frame, with_checksum)) == frame


def test_the_cases_the_fuzzer_found() -> None:
    for line in ("*00", "TAG ² 0123ABCD", "HB ³"):
        try:
            parse_frame(line)
        except FrameError:
            continue
        assert line.startswith("HB")
