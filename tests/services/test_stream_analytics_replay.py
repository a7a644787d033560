"""StreamAnalytics replays only what a stream's log gained: a growing log gives the figures of a fresh replay,
the earlier tables' replays are reused, and an unchanged log is not read again."""

from __future__ import annotations

from pathlib import Path


def test_a_growing_log_is_replayed_incrementally(tmp_path: Path) -> None:
    from ggpgfx.analytics.simulate import simulate_show
    from ggpgfx.services.stream_analytics import StreamAnalytics

    storage = tmp_path.resolve()
    folder = storage / "events" / "streams" / "s1" / "log"
    simulate_show(folder, 5, seed=4, table="table-1")
    analytics = StreamAnalytics(max_bytes=64 << 20)
    first = analytics.compute("s1", storage, {"log": str(folder)})
    assert first["hands"] == 5 and first["tables"] == 1
    state = analytics._streams["s1"].folders["log"]
    table_1 = state.tables["table-1"]
    consumed = state.consumed
    assert analytics.compute("s1", storage, {"log": str(folder)}) is first  # nothing changed: the same result

    simulate_show(folder, 3, seed=8, table="table-2")  # the log grows (another table joins the stream)
    grown = analytics.compute("s1", storage, {"log": str(folder)})
    state = analytics._streams["s1"].folders["log"]
    assert state.tables["table-1"] is table_1 and state.consumed > consumed  # continued, not replayed again
    fresh = StreamAnalytics(max_bytes=64 << 20).compute("s2", storage, {"log": str(folder)})
    assert grown["hands"] == 8 and grown["tables"] == 2
    assert grown == fresh
