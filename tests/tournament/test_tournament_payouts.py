"""Payout tables: the standard curve sums to the pool and is monotone; bad tables say what is wrong."""

from __future__ import annotations

import re

import pytest

from ggpgfx.tournament.payouts import (
    PayoutPlace,
    paid_places,
    prize_for_place,
    standard_payouts,
    validate_payouts,
)


@pytest.mark.parametrize("entries", [1, 2, 9, 27, 100, 1000, 12_345])
def test_standard_curve_sums_to_the_pool_and_never_pays_a_worse_place_more(entries: int) -> None:
    pool = entries * 1_100 + 7
    table = standard_payouts(pool, entries, rounding=100)
    validate_payouts(table, pool)
    amounts = [prize_for_place(table, p) for p in range(1, paid_places(table) + 1)]
    assert amounts == sorted(amounts, reverse=True)
    assert 1 <= paid_places(table) <= entries


def test_hand_computed_small_field() -> None:
    # 9 entries, 900 in the pool: 3 paid on 1/p weights 1, 1/2, 1/3 (sum 11/6) -> 490.9.., 245.4.., 163.6..
    table = standard_payouts(900, 9)
    assert [(b.label, b.amount) for b in table] == [("1", 492), ("2", 245), ("3", 163)]


def test_large_field_is_banded() -> None:
    table = standard_payouts(1_000_000, 1000)
    assert [b.label for b in table][8:12] == ["9", "10-12", "13-15", "16-18"]
    assert paid_places(table) == 150 and prize_for_place(table, 151) == 0


@pytest.mark.parametrize(
    ("bands", "pool", "message"),
    [
        ([(1, 1, 500), (3, 3, 100)], None, "places 2 have no payout"),
        ([(1, 2, 500), (2, 3, 100)], None, "places 2-3 overlap"),
        ([(1, 1, 500), (2, 2, 600)], None, "places 2 win 600, more than places 1 (500)"),
        ([(1, 1, 500), (2, 2, 400)], 1000, "the payouts sum to 900, not to the prize pool 1000"),
    ],
)
def test_bad_tables(bands: list[tuple[int, int, int]], pool: int | None, message: str) -> None:
    table = [PayoutPlace(places_from=a, places_to=b, amount=c) for a, b, c in bands]
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_payouts(table, pool)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        standard_payouts(100, 0)
    with pytest.raises(ValueError, match="the range ends before it starts"):
        PayoutPlace(places_from=3, places_to=2, amount=1)
