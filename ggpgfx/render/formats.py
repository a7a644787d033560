"""Number formats for chip amounts and the easing curves of overlay animations."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ggpgfx.errors import ConfigError

ChipFormat = Literal["exact", "short", "bb"]


def format_chips(amount: int | float, mode: ChipFormat = "exact", big_blind: int = 0) -> str:
    """A chip amount as broadcast shows it: exact `1,234,500`, short `1.23M`, or `61.7 BB`."""
    if mode == "exact":
        return f"{int(_rounded(_decimal(amount), 0)):,}"
    if mode == "short":
        return _short(amount)
    if mode == "bb":
        if big_blind <= 0:
            return _short(amount)
        bbs = _decimal(amount) / big_blind
        return f"{_rounded(bbs, 0):,} BB" if bbs >= 100 else f"{_rounded(bbs, 1):,} BB".replace(".0 BB", " BB")
    raise ConfigError(f"unknown chip format {mode!r}; use exact, short or bb")


#: Short-format units, smallest first: an amount takes the first unit in which it rounds below 1000.
SHORT_UNITS = ((1, ""), (1_000, "k"), (1_000_000, "M"), (1_000_000_000, "B"))


def _decimal(amount: int | float) -> Decimal:
    """An amount as an exact decimal (a float through its shortest repr: 1845000.0 is 1845000)."""
    return Decimal(amount) if isinstance(amount, int) else Decimal(repr(float(amount)))


def _rounded(value: Decimal, digits: int) -> Decimal:
    """`value` to `digits` decimals, halves away from zero: 1.845M shows as 1.85M and 2.315M as 2.32M. (Binary
    floats rounded these either way, by how each happened to be stored: 1,845,000 read "1.84M".)"""
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _short(amount: float) -> str:
    """Three significant digits at most; zeros are dropped only after a decimal point (250k, not 25k)."""
    sign = "-" if amount < 0 else ""
    magnitude = abs(_decimal(amount))
    for index, (divisor, suffix) in enumerate(SHORT_UNITS):
        value = magnitude / divisor
        digits = 0 if divisor == 1 else 2 if value < 10 else 1 if value < 100 else 0
        text = str(_rounded(value, digits))
        # 999,999 rounds to "1000k": say it in the next unit ("1M") rather than with four digits
        if float(text) >= 1000 and index + 1 < len(SHORT_UNITS):
            continue
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return sign + text + suffix
    raise AssertionError("unreachable: the last unit always returns")  # pragma: no cover


def format_percent(fraction: float | None) -> str:
    """Equity as a whole percent; '<1%' for tiny non-zero shares so a live hand never reads 0%."""
    if fraction is None:
        return ""
    percent = fraction * 100
    if 0 < percent < 1:
        return "<1%"
    return f"{percent:.0f}%"


def _ease_out_back(t: float) -> float:
    c1 = 1.70158
    return 1 + (c1 + 1) * (t - 1) ** 3 + c1 * (t - 1) ** 2


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": lambda t: t,
    "ease_in_quad": lambda t: t * t,
    "ease_out_quad": lambda t: 1 - (1 - t) * (1 - t),
    "ease_in_out_quad": lambda t: 2 * t * t if t < 0.5 else 1 - (-2 * t + 2) ** 2 / 2,
    "ease_out_cubic": lambda t: 1 - (1 - t) ** 3,
    "ease_in_out_cubic": lambda t: 4 * t**3 if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2,
    "ease_out_back": _ease_out_back,
    "ease_in_out_sine": lambda t: -(math.cos(math.pi * t) - 1) / 2,
}


def ease(name: str, t: float) -> float:
    """Apply a named easing curve to progress t (clamped to 0..1)."""
    try:
        curve = EASINGS[name]
    except KeyError:
        raise ConfigError(f"unknown easing {name!r}; known: {', '.join(EASINGS)}") from None
    return curve(min(1.0, max(0.0, t)))
