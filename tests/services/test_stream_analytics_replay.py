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


def test_a_symlinked_storage_root_is_the_same_place(tmp_path: Path) -> None:
    """The storage root is resolved like the folders: a root reached through a symlink is not 'outside' (409),
    the folders are named relative to it, and a folder outside the real root is still refused."""
    import pytest

    from ggpgfx.analytics.simulate import simulate_show
    from ggpgfx.errors import ServiceError
    from ggpgfx.services.stream_analytics import StreamAnalytics

    real = tmp_path / "disk" / "storage"
    folder = real / "events" / "streams" / "s1" / "log"
    simulate_show(folder, 2, seed=4)
    link = tmp_path / "storage-link"
    link.symlink_to(real, target_is_directory=True)
    analytics = StreamAnalytics(max_bytes=64 << 20)
    result = analytics.compute("s1", link, {"log": str(link / "events" / "streams" / "s1" / "log")})
    assert result["hands"] == 2
    assert result["event_logs"][0]["folder"] == "events/streams/s1/log"
    elsewhere = tmp_path / "disk" / "other"
    simulate_show(elsewhere, 1, seed=5)
    with pytest.raises(ServiceError) as refused:
        analytics.compute("s2", link, {"log": str(elsewhere)})
    assert refused.value.status_code == 409
