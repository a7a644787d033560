"""Password strength at sign-up: length, a common-password list shipped in the package, repetition and
keyboard or alphabet runs, and similarity to the account's email. Each refusal is one clear line."""

from __future__ import annotations

import functools
from difflib import SequenceMatcher
from importlib import resources

from ggpgfx.errors import ServiceError

MIN_LENGTH = 10
MIN_DISTINCT = 5
ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list (ggpgfx/services/data/common_passwords.txt), lower case."""
    text = resources.files("ggpgfx.services").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """True for a stretch of one keyboard row or the alphabet/digits, forwards or backwards."""
    return any(text in row or text in row[::-1] for row in ROWS)


def _core(text: str) -> str:
    """The password without the digits and punctuation people tack on at the end."""
    return text.rstrip("0123456789!@#$%^&*?._-+=~")


def weakness(password: str, email: str = "") -> str | None:
    """Why `password` is too weak for the account `email`, or None when it is acceptable."""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        return f"the password needs at least {MIN_LENGTH} characters"
    if lowered in common_passwords() or (len(_core(lowered)) >= 4 and _core(lowered) in common_passwords()):
        return "the password is on the list of commonly used passwords; choose another"
    if len(set(lowered)) < MIN_DISTINCT:
        return f"the password repeats too few characters (it needs at least {MIN_DISTINCT} different ones)"
    if _is_run(lowered) or _is_run(_core(lowered)):
        return "the password is a run of keys or letters; choose another"
    local, _, domain = email.strip().lower().partition("@")
    for part in {local, email.strip().lower(), domain.split(".")[0]}:
        if len(part) >= 4 and (part in lowered or lowered in part
                               or SequenceMatcher(None, lowered, part).ratio() >= 0.7):
            return "the password is too close to the email address"
    return None


def check_password(password: str, email: str = "") -> None:
    """Raise a 422 ServiceError naming why the password is too weak."""
    problem = weakness(password, email)
    if problem is not None:
        raise ServiceError(problem, 422)
