"""Payout tables: a standard percentage curve and the checks every table must pass.

A table is a list of `PayoutPlace` bands (`places_from`..`places_to` each get `amount`), first place
first. `standard_payouts` pays about 15% of the field on a 1/place curve, banded after ninth place the
way tournament payout sheets are, rounded to a unit with the rounding remainder going to first place so
the table sums exactly to the prize pool.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PayoutPlace(BaseModel):
    """Places `places_from`..`places_to` (inclusive) each win `amount` (whole currency units)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use
    places_from: int = Field(ge=1)
    places_to: int = Field(ge=1)
    amount: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> PayoutPlace:
        if self.places_to < self.places_from:
            raise ValueError(f"places {self.places_from}-{self.places_to}: the range ends before it starts")
        return self

    @property
    def count(self) -> int:
        """How many places the band covers."""
        return self.places_to - self.places_from + 1

    @property
    def label(self) -> str:
        """'1', '10-12': the places as a payout sheet prints them."""
        if self.count == 1:
            return str(self.places_from)
        return f"{self.places_from}-{self.places_to}"


def validate_payouts(places: list[PayoutPlace], prize_pool: int | None = None) -> None:
    """Raise ValueError unless the bands cover 1..N without gaps, never pay a worse place more, and sum to the pool."""
    expected = 1
    previous: PayoutPlace | None = None
    for band in places:
        if band.places_from != expected:
            if band.places_from < expected:
                raise ValueError(f"places {band.label} overlap the places before them (expected {expected} next)")
            gap = str(expected) if band.places_from - 1 == expected else f"{expected}-{band.places_from - 1}"
            raise ValueError(f"places {gap} have no payout (a gap before places {band.label})")
        if previous is not None and band.amount > previous.amount:
            raise ValueError(
                f"places {band.label} win {band.amount}, more than places {previous.label} ({previous.amount})"
            )
        previous = band
        expected = band.places_to + 1
    if prize_pool is not None:
        total = sum(band.amount * band.count for band in places)
        if total != prize_pool:
            raise ValueError(f"the payouts sum to {total}, not to the prize pool {prize_pool}")


def paid_places(places: list[PayoutPlace]) -> int:
    """How many places are paid."""
    return places[-1].places_to if places else 0


def prize_for_place(places: list[PayoutPlace], place: int) -> int:
    """What finishing `place` wins (0 outside the money)."""
    for band in places:
        if band.places_from <= place <= band.places_to:
            return band.amount
    return 0


def _bands(paid: int) -> list[tuple[int, int]]:
    """Places 1..9 alone, then bands of 3 to 18th, 9 to 99th and 27 beyond, as payout sheets group them."""
    bands = [(p, p) for p in range(1, min(paid, 9) + 1)]
    start = 10
    while start <= paid:
        size = 3 if start < 19 else 9 if start < 100 else 27
        end = min(paid, start + size - 1)
        bands.append((start, end))
        start = end + 1
    return bands


def standard_payouts(
    prize_pool: int, entries: int, *, paid_fraction: float = 0.15, rounding: int = 1, curve: float = 1.0
) -> list[PayoutPlace]:
    """A payout table for `entries` entries sharing `prize_pool`: ~15% paid, place p weighted 1/p**curve."""
    if prize_pool < 0:
        raise ValueError(f"the prize pool must not be negative (got {prize_pool})")
    if entries < 1:
        raise ValueError(f"a payout table needs at least one entry (got {entries})")
    if not 0 < paid_fraction <= 1:
        raise ValueError(f"paid_fraction must be in (0, 1] (got {paid_fraction})")
    if rounding < 1:
        raise ValueError(f"rounding must be a whole unit >= 1 (got {rounding})")
    if curve <= 0:
        raise ValueError(f"curve must be > 0 (got {curve})")
    # A small field still pays a third of itself, up to three places (a 9-handed sit-and-go pays 3).
    paid = max(1, min(entries, max(round(entries * paid_fraction), min(3, entries // 3))))
    bands = _bands(paid)
    # Each band pays the average weight of its places, so the curve stays monotone across bands.
    weights = [sum(1.0 / p**curve for p in range(a, b + 1)) / (b - a + 1) for a, b in bands]
    total_weight = sum(w * (b - a + 1) for w, (a, b) in zip(weights, bands, strict=True))
    amounts = [int(prize_pool * w / total_weight // rounding * rounding) for w in weights]
    remainder = prize_pool - sum(amount * (b - a + 1) for amount, (a, b) in zip(amounts, bands, strict=True))
    amounts[0] += remainder  # rounding leftovers go to the winner (as payout sheets do)
    table = [PayoutPlace(places_from=a, places_to=b, amount=amount) for amount, (a, b) in zip(amounts, bands, strict=True)]
    validate_payouts(table, prize_pool)
    return table
