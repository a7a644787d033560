"""Real peers for the media tests: a private nginx-rtmp on 127.0.0.1 and a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ggpgfx.media.rtmp_server import NginxRtmp, nginx_available


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[NginxRtmp]:
    """nginx with libnginx-mod-rtmp, recording every stream under tmp_path/record (stopped afterwards)."""
    missing = nginx_available()
    if missing:
        pytest.fail(f"{missing}; the CI installs it from scripts/apt-packages.txt")
    server = NginxRtmp(tmp_path / "nginx")
    server.start()
    try:
        yield server
    finally:
        server.stop()
