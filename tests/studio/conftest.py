"""One recorded session shared by the studio tests (recording it is the slow part); `studio_session` holds the
recording and decoding helpers the test modules import."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if "studio_session" not in sys.modules:  # --import-mode=importlib: a sibling module is not on sys.path
    _spec = importlib.util.spec_from_file_location("studio_session", Path(__file__).parent / "studio_session.py")
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["studio_session"] = _module
    _spec.loader.exec_module(_module)

from studio_session import record_session  # noqa: E402


@pytest.fixture(scope="session")
def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_session(tmp_path_factory.mktemp("studio") / "session")


@pytest.fixture(scope="session")
def threaded_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Recorded with the overlay drawing state changes on its background thread (what real-time runs do)."""
    return record_session(tmp_path_factory.mktemp("studio") / "threaded", hands=1, render_thread="on")
