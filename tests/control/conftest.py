"""Fixtures of the control tests: a live graph with its control endpoint, and a client with a session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # control_helpers, shared by the test modules

from control_helpers import Client, live_graph  # noqa: E402

from ggpgfx.control.live import LiveRun, start_live  # noqa: E402


@pytest.fixture
def live() -> Iterator[LiveRun]:
    """The small live graph running on the local executor."""
    run = start_live(live_graph("control-test").validate())
    try:
        yield run
    finally:
        run.stop()


@pytest.fixture
def client(live: LiveRun) -> Client:
    """A client with a session on the live graph."""
    return Client(live)
