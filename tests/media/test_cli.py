"""`ggp media clip` and `ggp media probe` on a real file; a missing file is one line, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ggpgfx.media.cli import media_app


def test_clip_then_probe(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "c.mp4"
    made = runner.invoke(media_app, ["clip", str(path), "--seconds", "1", "--size", "160x120"])
    assert made.exit_code == 0, made.output
    probed = runner.invoke(media_app, ["probe", str(path), "--counters"])
    report = json.loads(probed.output)
    assert report["streams"]["video"]["frames"] == 30 and report["counters"]["last"] == [27, 28, 29]
    assert report["streams"]["audio"]["codec"] == "aac"


def test_probe_missing_file_is_a_media_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(media_app, ["probe", str(tmp_path / "nope.mp4")])
    assert result.exit_code != 0 and "nope.mp4" in str(result.exception) and "no such file" in str(result.exception)
