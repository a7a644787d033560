"""Credentials and stream keys are masked in URLs and free text."""

from __future__ import annotations

import pytest

from ggpgfx.media.errors import media_error
from ggpgfx.media.redact import redact_text, redact_url


@pytest.mark.parametrize(("url", "masked"), [
    ("rtmp://live.twitch.tv/app/live_123_abc", "rtmp://live.twitch.tv/app/****"),
    ("rtmps://user:pw@a.rtmp.youtube.com:443/live2/k-e-y", "rtmps://****@a.rtmp.youtube.com:443/live2/****"),
    ("https://cdn/x.m3u8?token=abc&quality=hd", "https://cdn/x.m3u8?token=****&quality=hd"),
    ("srt://h:9000?streamid=x&passphrase=pp", "srt://h:9000?streamid=x&passphrase=pp"),
    ("rtmp://host/live", "rtmp://host/live"),
    ("/videos/clip.mp4", "/videos/clip.mp4"),
])
def test_redact_url(url: str, masked: str) -> None:
    assert redact_url(url) == masked


def test_redact_text_masks_urls_and_named_secrets() -> None:
    text = "lost rtmp://h:1935/live/abc123: refused (key abc123)"
    assert redact_text(text, "abc123") == "lost rtmp://h:1935/live/****: refused (key ****)"


def test_media_error_is_one_line_and_masked() -> None:
    error = media_error("cannot write to", "rtmp://h/live/KEY9", ConnectionRefusedError(111, "Connection refused"),
                        position="3.000 s")
    assert str(error) == "cannot write to 'rtmp://h/live/****' at 3.000 s: connection refused (is the server running?)"
    assert isinstance(error, OSError)
