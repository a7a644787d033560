"""The one redaction point: registered secrets are masked in text, nested values and every log record."""

from __future__ import annotations

import logging

import pytest

from ggpgfx.media.redact import SECRETS, install_log_redaction, mask_secret, redact_text, redact_value

PLANTED = "zz-planted-key-77"


def test_registered_secret_is_masked_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    SECRETS.add(PLANTED)
    install_log_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("ggpgfx.anything").warning("publish failed: %s", f"key={PLANTED}")
        logging.getLogger("third.party").info(f"raw {PLANTED} in the message")
    assert PLANTED not in caplog.text and caplog.text.count("****") == 2
    assert redact_text(f"error near {PLANTED}.") == "error near ****."
    assert redact_value({"error": [f"x {PLANTED}"], "n": 3}) == {"error": ["x ****"], "n": 3}
    SECRETS.add("sp ace/key+1")
    assert redact_text("rtmp-ish sp%20ace%2Fkey%2B1 and sp ace/key+1") == "rtmp-ish **** and ****"


@pytest.mark.parametrize(("secret", "shown"), [("ab1234", "4"), ("abc", ""), ("0123456789abcdef", "cdef"),
                                               ("0123456789", "89")])
def test_mask_shows_at_most_a_quarter(secret: str, shown: str) -> None:
    assert mask_secret(secret) == "********" + shown
