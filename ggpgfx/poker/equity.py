"""Equity: exact enumeration when the runouts are few, seeded Monte Carlo with a standard error otherwise.

Exact enumeration goes through a pluggable backend (`register_backend`) so a GPU implementation can
stand in; every backend returns integer counts so results compare bit for bit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ggpgfx.errors import ConfigError
from ggpgfx.poker import equity_kernels as ek
from ggpgfx.poker.cards import card_to_int, format_cards, parse_cards
from ggpgfx.poker.kernels import threads_for
from ggpgfx.poker.tables import get_tables
from ggpgfx.poker.variants import Variant, variant

UNIT = ek.UNIT
#: Player-board evaluations (weighted by hand combinations) below which "auto" enumerates exactly.
EXACT_BUDGET = 12_000_000


@dataclass(frozen=True)
class EquityRequest:
    """What a backend enumerates: hole cards (P, n), known board, remaining deck, kernel game code."""

    game: str  # variant code
    game_code: int
    holes: np.ndarray  # int8 (P, n)
    board: np.ndarray  # int8 (0..5,)
    deck: np.ndarray  # int8: cards not in any hand, the board or the dead list
    short_deck: bool


@dataclass
class EquityResult:
    """Integer counts per player plus derived shares; `std_error` is set for Monte Carlo."""

    game: str
    method: str  # "exact" or "monte-carlo"
    hands: list[str]
    board: str
    wins: list[int]
    ties: list[int]
    shares: list[int]  # pot units (UNIT per board)
    total: int
    backend: str
    seconds: float = 0.0
    std_error: list[float] | None = None
    unit: int = UNIT
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def equity(self) -> list[float]:
        """Expected share of the pot per player (0..1)."""
        return [s / (self.total * self.unit) if self.total else 0.0 for s in self.shares]

    @property
    def win(self) -> list[float]:
        """Fraction of runouts won alone."""
        return [w / self.total if self.total else 0.0 for w in self.wins]

    @property
    def tie(self) -> list[float]:
        """Fraction of runouts shared."""
        return [t / self.total if self.total else 0.0 for t in self.ties]

    def method_text(self) -> str:
        """"exact" or "monte-carlo ±x.xx%" (largest standard error)."""
        if self.std_error is None:
            return "exact"
        return f"monte-carlo ±{100 * max(self.std_error):.2f}%"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {"game": self.game, "method": self.method, "backend": self.backend, "board": self.board,
                "total": self.total, "seconds": self.seconds, "std_error": self.std_error,
                "players": [{"hand": h, "win": w, "tie": t, "equity": e, "wins": wc, "ties": tc}
                            for h, w, t, e, wc, tc in zip(self.hands, self.win, self.tie, self.equity,
                                                          self.wins, self.ties, strict=True)]}


ExactBackend = Callable[[EquityRequest], tuple[np.ndarray, int]]
_BACKENDS: dict[str, ExactBackend] = {}


def register_backend(name: str, function: ExactBackend) -> None:
    """Add an exact-enumeration backend: `function(request) -> (counts int64 (3, P), total)`."""
    _BACKENDS[name] = function


#: Monte Carlo backends by name: `function(request, trials, seed) -> (counts int64 (4, P), total)` where the
#: rows are wins, ties, shares and squared shares (for the standard error). The default is the Numba engine.
MonteCarloBackend = Callable[["EquityRequest", int, int], tuple[np.ndarray, int]]
_MC_BACKENDS: dict[str, MonteCarloBackend] = {}


def register_monte_carlo(name: str, function: MonteCarloBackend) -> None:
    """Add a Monte Carlo backend (the GPU operators register "cuda")."""
    _MC_BACKENDS[name] = function


def backends() -> list[str]:
    """Names of the registered exact backends."""
    return list(_BACKENDS)


#: Player-evaluations below which a job runs on one thread (see `kernels.serial_twin`).
PARALLEL_MIN_EVALS = 2_000_000


def _chunks() -> int:
    import numba

    return max(8, 4 * numba.get_num_threads())


def _evals_per_board(request: EquityRequest) -> int:
    hole_count = request.holes.shape[1]
    combos = 1 if request.game_code == ek.GAME_HOLDEM else math.comb(hole_count, 2) * 10
    return request.holes.shape[0] * combos


def _numba_exact(request: EquityRequest) -> tuple[np.ndarray, int]:
    t = get_tables()
    ranks, flushes = (t.sd_rank_values, t.sd_flush_values) if request.short_deck else (t.rank_values,
                                                                                        t.flush_values)
    with threads_for(runout_count(request) * _evals_per_board(request), PARALLEL_MIN_EVALS):
        if request.game_code == ek.GAME_HOLDEM and request.board.size == 0:
            counts, total = ek.exact_preflop_holdem_kernel(request.holes, request.deck, t.card_keys, t.row_offsets,
                                                           ranks, flushes, _chunks())
        else:
            counts, total = ek.exact_kernel(request.game_code, request.holes, request.board, request.deck,
                                            t.card_keys, t.row_offsets, ranks, flushes, _chunks())
    return counts, int(total)


register_backend("numba", _numba_exact)


def game_code(chosen: Variant) -> int:
    """The equity kernels' code of a variant's evaluator family (Hold'em, Omaha, Omaha hi-lo)."""
    if chosen.evaluator == "holdem":
        if chosen.hi_lo:
            raise ConfigError(f"{chosen.name}: the equity engine has no hi-lo Hold'em evaluator")
        return ek.GAME_HOLDEM
    return ek.GAME_OMAHA_HILO if chosen.hi_lo else ek.GAME_OMAHA


def prepare(hands: Sequence[str | Sequence[str]], board: str | Sequence[str] = (),
            dead: str | Sequence[str] = (), game: str | Variant = "nlhe") -> EquityRequest:
    """Validate the spot and build the request (raises ConfigError on bad or repeated cards)."""
    chosen = variant(game)
    hole_count = chosen.hole_cards
    if not 2 <= len(hands) <= 10:
        raise ConfigError(f"equity needs 2 to 10 hands, got {len(hands)}")
    holes = [parse_cards(h) for h in hands]
    for i, hole in enumerate(holes):
        if len(hole) != hole_count:
            raise ConfigError(f"hand {i + 1} ({format_cards(hole)}) has {len(hole)} cards; {chosen.name} needs "
                              f"{hole_count}")
    board_cards = parse_cards(board)
    dead_cards = parse_cards(dead)
    if len(board_cards) > 5 or len(board_cards) in (1, 2):
        raise ConfigError(f"board must have 0, 3, 4 or 5 cards, got {len(board_cards)}")
    used = [c for hole in holes for c in hole] + board_cards + dead_cards
    if len(set(used)) != len(used):
        raise ConfigError(f"a card appears twice among hands, board and dead cards: {format_cards(used)}")
    in_deck = np.zeros(52, dtype=np.bool_)
    in_deck[[card_to_int(c) for c in chosen.deck]] = True
    if not all(in_deck[c] for c in used):
        outside = format_cards(c for c in used if not in_deck[c])
        raise ConfigError(f"{chosen.name} is played without {outside}: its deck has {len(chosen.deck)} cards")
    in_deck[used] = False
    deck = np.flatnonzero(in_deck).astype(np.int8)
    if deck.size < 5 - len(board_cards):
        raise ConfigError("not enough cards left in the deck to complete the board")
    return EquityRequest(chosen.code, game_code(chosen), np.array(holes, dtype=np.int8),
                         np.array(board_cards, dtype=np.int8), deck, chosen.short_deck)


def _result(request: EquityRequest, method: str, counts: np.ndarray, total: int, backend: str,
            started: float) -> EquityResult:
    return EquityResult(request.game, method, [format_cards(h) for h in request.holes], format_cards(request.board),
                        [int(x) for x in counts[0]], [int(x) for x in counts[1]], [int(x) for x in counts[2]],
                        int(total), backend, time.perf_counter() - started)


def exact_equity(hands: Sequence[str | Sequence[str]], board: str | Sequence[str] = (),
                 dead: str | Sequence[str] = (), game: str | Variant = "nlhe", backend: str = "auto") -> EquityResult:
    """Enumerate every runout; `backend` names a registered backend ("auto" = numba)."""
    started = time.perf_counter()
    request = prepare(hands, board, dead, game)
    name = "numba" if backend == "auto" else backend
    if name not in _BACKENDS:
        raise ConfigError(f"unknown equity backend {name!r}: registered are {', '.join(_BACKENDS)}")
    counts, total = _BACKENDS[name](request)
    return _result(request, "exact", np.asarray(counts), total, name, started)


def monte_carlo_equity(hands: Sequence[str | Sequence[str]], board: str | Sequence[str] = (),
                       dead: str | Sequence[str] = (), game: str | Variant = "nlhe", trials: int = 100_000,
                       seed: int = 1, backend: str = "auto") -> EquityResult:
    """Seeded Monte Carlo over random runouts with a standard error per player (`backend`: "auto" = Numba, or
    a registered Monte Carlo backend such as "cuda")."""
    started = time.perf_counter()
    if trials < 1:
        raise ConfigError(f"trials must be at least 1, got {trials}")
    request = prepare(hands, board, dead, game)
    if backend not in ("auto", "numba"):
        if backend not in _MC_BACKENDS:
            raise ConfigError(f"unknown Monte Carlo backend {backend!r}: registered are "
                              f"{', '.join(['numba', *_MC_BACKENDS])}")
        counts, total = _MC_BACKENDS[backend](request, trials, seed)
        return _with_errors(_result(request, "monte-carlo", counts, total, backend, started), counts, total, started)
    t = get_tables()
    ranks, flushes = (t.sd_rank_values, t.sd_flush_values) if request.short_deck else (t.rank_values,
                                                                                        t.flush_values)
    # Eight fixed chunks, each with its own seeded stream: the same counts on one thread or many.
    with threads_for(trials * _evals_per_board(request), PARALLEL_MIN_EVALS):
        counts, total = ek.monte_carlo_kernel(request.game_code, request.holes, request.board, request.deck, trials,
                                              abs(int(seed)), t.card_keys, t.row_offsets, ranks, flushes, 8)
    return _with_errors(_result(request, "monte-carlo", counts, total, "numba", started), counts, total, started)


def _with_errors(result: EquityResult, counts: np.ndarray, total: int, started: float) -> EquityResult:
    """The result with each player's standard error, from the summed shares and squared shares."""
    errors = []
    for p in range(len(result.hands)):
        mean = counts[2, p] / (total * UNIT)
        mean_square = counts[3, p] / (total * UNIT * UNIT)
        errors.append(math.sqrt(max(mean_square - mean * mean, 0.0) / total))
    result.std_error = errors
    result.seconds = time.perf_counter() - started
    return result


def runout_count(request: EquityRequest) -> int:
    """How many boards exact enumeration visits."""
    return math.comb(int(request.deck.size), 5 - int(request.board.size))


def equity(hands: Sequence[str | Sequence[str]], board: str | Sequence[str] = (), dead: str | Sequence[str] = (),
           game: str | Variant = "nlhe", exact: bool | None = None, trials: int = 100_000, seed: int = 1,
           backend: str = "auto") -> EquityResult:
    """Exact when the runouts are few (or `exact=True`, through the exact `backend`), otherwise Monte Carlo."""
    if exact is None:
        request = prepare(hands, board, dead, game)
        exact = runout_count(request) * _evals_per_board(request) <= EXACT_BUDGET
    if exact:
        return exact_equity(hands, board, dead, game, backend=backend)
    return monte_carlo_equity(hands, board, dead, game, trials, seed,
                              backend=backend if backend in _MC_BACKENDS else "auto")


def warm_up(game: str | Variant = "nlhe") -> float:
    """Load the tables and the compiled kernels (cached on disk) with tiny spots; returns the seconds taken."""
    started = time.perf_counter()
    chosen = variant(game)
    hole_count, short = chosen.hole_cards, chosen.short_deck
    cards = ["Ah", "Kh", "Qh", "Jh", "Th", "9h", "8h", "7h", "As", "Ks", "Qs", "Js", "Ts", "9s"]
    hands = ["".join(cards[:hole_count]), "".join(cards[hole_count:2 * hole_count])]
    board = ["Ad", "Kd", "Qd", "Jd"]
    exact_equity(hands, board, game=game)
    monte_carlo_equity(hands, board, game=game, trials=1)
    if not short and hole_count == 2:
        exact_equity(hands, [], game=game)  # heads-up preflop has a kernel of its own
    from ggpgfx.poker.evaluator import evaluate_batch

    evaluate_batch(np.arange(0, 28, 4, dtype=np.int8).reshape(1, 7), short_deck=short)  # outs, hand values
    return time.perf_counter() - started
