"""A made-up but consistent tournament for stills, tests, docs and the benchmark (deterministic)."""

from __future__ import annotations

import random

from ggpgfx.tournament.clock import BlindLevel
from ggpgfx.tournament.payouts import prize_for_place, standard_payouts
from ggpgfx.tournament.state import (
    ClockState,
    Elimination,
    EventInfo,
    FieldState,
    GraphicsCues,
    PlayerStats,
    TournamentPlayer,
    TournamentState,
)

_FIRST = ["Daniel", "Maria", "Phil", "Liv", "Jason", "Kristen", "Fedor", "Vanessa", "Erik", "Shaun", "Stephen",
          "Jennifer", "Bertrand", "Anna", "Nick", "Cate", "Adrian", "Maxim", "Justin", "Sofia", "Jun", "Ole",
          "Dario", "Mikita", "Chance", "Isaac", "Kahle"]
_LAST = ["Negreanu", "Ho", "Ivey", "Boeree", "Koon", "Bicknell", "Holz", "Kelly", "Seidel", "Deeb", "Chidwick",
         "Harman", "Grospellier", "Petrova", "Schulman", "Hall", "Mateos", "Lykov", "Bonomo", "Lovelace",
         "Obara", "Schemion", "Sammartino", "Badziakouski", "Kornuth", "Haxton", "Burns"]
_COUNTRIES = ["CA", "US", "US", "GB", "US", "US", "AT", "CA", "US", "US", "GB", "US", "FR", "BG", "US", "AU",
              "ES", "RU", "US", "SE", "JP", "NO", "IT", "BY", "US", "US", "DE"]

#: A 12-level structure with a break after level 6 (20-minute levels).
LEVELS: list[BlindLevel] = [
    BlindLevel(small_blind=sb, big_blind=bb, ante=0, big_blind_ante=bb, duration_s=1200)
    for sb, bb in [(100, 200), (200, 400), (300, 600), (400, 800), (500, 1000), (600, 1200)]
] + [BlindLevel(duration_s=900, is_break=True, name="Break")] + [
    BlindLevel(small_blind=sb, big_blind=bb, ante=0, big_blind_ante=bb, duration_s=1200)
    for sb, bb in [(800, 1600), (1000, 2000), (1200, 2400), (1500, 3000), (2000, 4000), (2500, 5000)]
]


def sample_tournament(
    entries: int = 27,
    remaining: int = 18,
    *,
    tables: int = 3,
    seats_per_table: int = 9,
    level_index: int = 4,
    seed: int = 15,
    graphics: GraphicsCues | None = None,
    photos: dict[str, str] | None = None,
) -> TournamentState:
    """`entries` players at `tables` tables, `remaining` of them still in, consistent chips, places and prizes."""
    if not 1 <= remaining <= entries:
        raise ValueError(f"remaining must be 1..entries ({entries}), got {remaining}")
    rng = random.Random(seed)
    starting_stack = 30_000
    buy_in = 1_000
    total_chips = entries * starting_stack
    prize_pool = entries * buy_in
    payouts = standard_payouts(prize_pool, entries, rounding=10, paid_fraction=1 / 3)  # the final table is paid
    # Random shares of the chips among the players still in; every stack a multiple of 100.
    shares = [rng.uniform(0.2, 1.0) ** 2 for _ in range(remaining)]
    stacks = [int(total_chips * s / sum(shares)) // 100 * 100 for s in shares]
    stacks[0] += total_chips - sum(stacks)
    players: list[TournamentPlayer] = []
    eliminations: list[Elimination] = []
    for i in range(entries):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 7) % len(_LAST)]
        name = f"{first} {last}" + (f" {i // len(_FIRST) + 1}" if i >= len(_FIRST) else "")
        pid = f"p{i + 1}"
        active = i < remaining
        place = None if active else entries - (i - remaining)  # later index: eliminated earlier
        stats = PlayerStats(hands=40 + i, vpip=round(rng.uniform(14, 38), 1), pfr=round(rng.uniform(8, 26), 1),
                            af=round(rng.uniform(1.0, 4.5), 1), wtsd=round(rng.uniform(20, 35), 1))
        players.append(
            TournamentPlayer(
                id=pid,
                name=name,
                nickname=None,
                country=_COUNTRIES[i % len(_COUNTRIES)],
                photo=(photos or {}).get(pid),
                chips=stacks[i] if active else 0,
                table=f"T{i % tables + 1}" if active else None,
                seat=(i // tables) % seats_per_table + 1 if active else None,
                stats=stats,
                eliminated_place=place,
                prize=prize_for_place(payouts, place) if place is not None else None,
            )
        )
        if place is not None:
            eliminations.append(Elimination(player_id=pid, place=place, prize=prize_for_place(payouts, place),
                                            at=1_765_000_000.0 + 60.0 * (entries - place)))
    eliminations.sort(key=lambda e: e.place)  # the lowest place went out last: latest first
    level = LEVELS[min(level_index, len(LEVELS) - 1)]
    clock = ClockState(levels=LEVELS, level_index=min(level_index, len(LEVELS) - 1), running=True,
                       remaining_s=level.duration_s * 0.6, as_of=1_765_000_000.0,
                       level_started_at=1_765_000_000.0 - level.duration_s * 0.4)
    state = TournamentState(
        version=1,
        event=EventInfo(id="main-event", name="GGP Main Event", variant="nlhe", currency="USD", buy_in=buy_in,
                        starting_stack=starting_stack),
        clock=clock,
        field=FieldState(entries=entries, re_entries=0, players_remaining=remaining, total_chips=total_chips,
                         prize_pool=prize_pool),
        payouts=payouts,
        players=players,
        eliminations=eliminations,
        graphics=graphics or GraphicsCues(),
    )
    leader = state.standings()[0]
    return state.model_copy(update={"chip_leader": leader.id})
