"""Equity engine against a brute-force reference built on eval7 and pokerkit (independent evaluators)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import eval7
import numpy as np
import pokerkit
import pytest

from ggpgfx.errors import ConfigError
from ggpgfx.poker import equity as eq
from ggpgfx.poker.cards import FULL_DECK
from ggpgfx.poker.outs import outs


def _reference(hands: list[str], board: str, dead: str, game: str) -> list[Fraction]:
    """Brute-force pot shares: every completion of the board, scored by eval7 (hold'em) or pokerkit."""
    holes = [[h[i:i + 2] for i in range(0, len(h), 2)] for h in hands]
    known = [board[i:i + 2] for i in range(0, len(board), 2)]
    used = {c for h in holes for c in h} | set(known) | {dead[i:i + 2] for i in range(0, len(dead), 2)}
    deck = [c for c in FULL_DECK if c not in used]
    shares = [Fraction(0)] * len(hands)
    total = 0
    for extra in itertools.combinations(deck, 5 - len(known)):
        full = known + list(extra)
        total += 1
        if game == "holdem":
            values = [eval7.evaluate([eval7.Card(c) for c in h + full]) for h in holes]
            lows: list = []
        else:
            values = [pokerkit.OmahaHoldemHand.from_game("".join(h), "".join(full)) for h in holes]
            lows = []
            if game == "omaha8":
                for h in holes:
                    try:
                        lows.append(pokerkit.OmahaEightOrBetterLowHand.from_game("".join(h), "".join(full)))
                    except ValueError:
                        lows.append(None)
        best = max(values)
        qualified = [v for v in lows if v is not None]
        high_pot = Fraction(1, 2) if qualified else Fraction(1)
        winners = [i for i, v in enumerate(values) if v == best]
        for i in winners:
            shares[i] += high_pot / len(winners)
        if qualified:
            best_low = max(qualified)
            low_winners = [i for i, v in enumerate(lows) if v is not None and v == best_low]
            for i in low_winners:
                shares[i] += Fraction(1, 2) / len(low_winners)
    return [s / total for s in shares]


def _spot(rng: np.random.Generator, players: int, board_size: int, dead_size: int, hole: int) -> tuple:
    cards = [FULL_DECK[i] for i in rng.permutation(52)]
    hands = ["".join(cards[p * hole:(p + 1) * hole]) for p in range(players)]
    rest = cards[players * hole:]
    return hands, "".join(rest[:board_size]), "".join(rest[board_size:board_size + dead_size])


@pytest.mark.parametrize(("players", "board_size", "dead_size"), [
    (2, 5, 0), (6, 5, 3), (3, 4, 0), (5, 4, 2), (2, 3, 0), (4, 3, 5), (2, 0, 30), (6, 0, 22),
])
def test_holdem_exact_matches_brute_force(players: int, board_size: int, dead_size: int) -> None:
    rng = np.random.default_rng(players * 100 + board_size * 10 + dead_size)
    for _ in range(2):
        hands, board, dead = _spot(rng, players, board_size, dead_size, 2)
        ours = eq.exact_equity(hands, board, dead)
        expected = _reference(hands, board, dead, "holdem")
        assert ours.equity == pytest.approx([float(x) for x in expected], abs=1e-9)
        assert sum(ours.shares) == ours.total * eq.UNIT


@pytest.mark.parametrize("game", ["omaha", "omaha8"])
def test_omaha_exact_matches_brute_force(game: str) -> None:
    rng = np.random.default_rng(11)
    for players in (2, 3):
        hands, board, dead = _spot(rng, players, 4, 0, 4)
        expected = _reference(hands, board, dead, game)
        assert eq.exact_equity(hands, board, dead, game).equity == pytest.approx([float(x) for x in expected],
                                                                                 abs=1e-9)


def test_heads_up_preflop_known_value() -> None:
    result = eq.exact_equity(["AhKh", "QsQd"])
    assert result.total == 1_712_304
    assert result.wins == [787_966, 917_606] and result.ties == [6732, 6732]


@pytest.mark.parametrize(("hands", "board", "game"), [
    (["AhKh", "QsQd", "7c7d", "JsTs", "9h8h", "AcKd"], "", "holdem"),
    (["AhKh", "QsQd", "2c3d"], "Js7h2h", "holdem"),
    (["AhKhQd2c", "JsTs9d8d"], "", "omaha"),
    (["Ah9s8h7c", "KsKdQh6d"], "", "shortdeck_like"),
])
def test_monte_carlo_within_three_standard_errors(hands: list[str], board: str, game: str) -> None:
    if game == "shortdeck_like":
        hands, game = ["Ah9s", "KsKd"], "shortdeck"
    mc = eq.monte_carlo_equity(hands, board, game=game, trials=60_000, seed=5)
    exact = eq.exact_equity(hands, board, game=game)
    assert mc.std_error is not None
    for got, want, error in zip(mc.equity, exact.equity, mc.std_error, strict=True):
        assert abs(got - want) <= 3 * error + 1e-12


def test_monte_carlo_is_seeded() -> None:
    a = eq.monte_carlo_equity(["AsAd", "KcKd"], trials=5000, seed=9)
    b = eq.monte_carlo_equity(["AsAd", "KcKd"], trials=5000, seed=9)
    assert a.shares == b.shares and a.total == 5000


def test_auto_picks_method() -> None:
    assert eq.equity(["AsAd", "KcKd"]).method == "exact"
    assert eq.equity(["AsAdKhQh", "KcKdJsTs"], game="omaha", trials=2000).method == "monte-carlo"


def test_registered_backend_is_used() -> None:
    calls = []

    def echo(request: eq.EquityRequest) -> tuple[np.ndarray, int]:
        calls.append(request.deck.size)
        return eq._numba_exact(request)

    eq.register_backend("echo", echo)
    assert eq.exact_equity(["AsAd", "KcKd"], "2c3c4c", backend="echo").backend == "echo"
    assert calls == [45]


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="twice"):
        eq.exact_equity(["AsAd", "AsKd"])
    with pytest.raises(ConfigError, match="needs 2"):
        eq.exact_equity(["AsAdKs", "QsKd"])


def test_outs_heads_up() -> None:
    # trips vs a flush draw: the drawing hand's outs are the hearts that do not pair the board
    drawing, leading = outs(["AhKh", "QsQd"], "2h7hQc")
    assert leading == [] and sorted(drawing) == sorted(["3h", "4h", "5h", "6h", "8h", "9h", "Th", "Jh", "Qh"][:8])
    draw_outs = outs(["AhKh", "QsQd"], "2h7h3c")
    assert sorted(draw_outs[1]) == []  # queens lead: no outs for the leader
    hearts = [c for c in draw_outs[0] if c[1] == "h"]
    assert len(hearts) == 9 and set(draw_outs[0]) >= set(hearts)
    assert {"Ac", "Ad", "As", "Kc", "Kd", "Ks"} <= set(draw_outs[0])
    # a dead heart is no longer an out
    assert "5h" not in outs(["AhKh", "QsQd"], "2h7h3c", dead="5h")[0]
