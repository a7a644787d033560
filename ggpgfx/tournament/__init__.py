"""Tournament data as the graph sees it: the tournament-state message, the blind clock and payouts.

Pure Python (pydantic only): the platform (`ggpgfx.services`) builds `TournamentState` from its database,
`ingest.tournament` reads it from a file or the platform, and the renderer draws it. Nothing here imports
the runtime, the services or node modules.
"""

from ggpgfx.tournament.clock import ClockAnchor, ClockPosition, clock_position
from ggpgfx.tournament.payouts import PayoutPlace, prize_for_place, standard_payouts, validate_payouts
from ggpgfx.tournament.state import (
    BlindLevel,
    ClockState,
    Elimination,
    EventInfo,
    FieldState,
    GraphicsCues,
    PlayerStats,
    TournamentPlayer,
    TournamentState,
    parse_tournament_state,
)

__all__ = [
    "BlindLevel",
    "ClockAnchor",
    "ClockPosition",
    "ClockState",
    "Elimination",
    "EventInfo",
    "FieldState",
    "GraphicsCues",
    "PayoutPlace",
    "PlayerStats",
    "TournamentPlayer",
    "TournamentState",
    "clock_position",
    "parse_tournament_state",
    "prize_for_place",
    "standard_payouts",
    "validate_payouts",
]
