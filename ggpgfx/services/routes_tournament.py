"""REST routes: tournament players (`/api/v1/players`) and events (`/api/v1/events`): tables and seats, entries,
chip counts (one seat, bulk, CSV), the blind structure and clock, eliminations, payouts, stats, graphics
cues and the tournament-state message the graph receives. Viewers read; producers and above write."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from ggpgfx.services import tournament_schemas as ts
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend
from ggpgfx.services.tournament_push import BOARD, FALLBACK_RECHECK_S
from ggpgfx.tournament.state import GraphicsCues, TournamentState

players_router = APIRouter(prefix="/api/v1/players", tags=["tournament"], responses=ERRORS)
events_router = APIRouter(prefix="/api/v1/events", tags=["tournament"], responses=ERRORS)


# ---- players --------------------------------------------------------------------------------------------
@players_router.get("", response_model=list[ts.PlayerOut])
async def list_players(
    principal: CurrentPrincipal, request: Request, q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> list[ts.PlayerOut]:
    """Players of my organisation; `q` searches name, nickname, hometown and country code."""
    return await backend(request).tournament.list_players(principal, q, limit, offset)


@players_router.post("", response_model=ts.PlayerOut, status_code=201)
async def create_player(body: ts.PlayerIn, principal: CurrentPrincipal, request: Request) -> ts.PlayerOut:
    """Add a player."""
    return await backend(request).tournament.create_player(principal, body)


@players_router.get("/{player_id}", response_model=ts.PlayerOut)
async def get_player(player_id: str, principal: CurrentPrincipal, request: Request) -> ts.PlayerOut:
    """One player."""
    return await backend(request).tournament.get_player(principal, player_id)


@players_router.put("/{player_id}", response_model=ts.PlayerOut)
async def update_player(player_id: str, body: ts.PlayerUpdate, principal: CurrentPrincipal,
                        request: Request) -> ts.PlayerOut:
    """Change a player's details."""
    return await backend(request).tournament.update_player(principal, player_id, body)


@players_router.delete("/{player_id}", status_code=204)
async def delete_player(player_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Delete a player without entries."""
    await backend(request).tournament.delete_player(principal, player_id)
    return Response(status_code=204)


@players_router.post("/{player_id}/photo", response_model=ts.PlayerOut)
async def upload_player_photo(
    player_id: str, principal: CurrentPrincipal, request: Request, file: Annotated[UploadFile, File()],
    shape: Annotated[str, Form(max_length=10)] = "square", size: Annotated[int, Form(ge=32, le=2048)] = 512,
) -> ts.PlayerOut:
    """Upload a photo: centre-cropped to a square or a circle (transparent outside) and resized by Pillow."""
    data = await file.read()
    return await backend(request).tournament.set_player_photo(principal, player_id, data, shape, size)


@players_router.get("/{player_id}/photo", response_class=Response,
                    responses={200: {"content": {"image/png": {}}, "description": "The cropped photo (PNG)"}})
async def get_player_photo(player_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """The player's photo."""
    return Response(content=await backend(request).tournament.get_player_photo(principal, player_id),
                    media_type="image/png")


# ---- events ---------------------------------------------------------------------------------------------
@events_router.get("", response_model=list[ts.EventOut])
async def list_events(principal: CurrentPrincipal, request: Request) -> list[ts.EventOut]:
    """Events of my organisation."""
    return await backend(request).tournament.list_events(principal)


@events_router.post("", response_model=ts.EventOut, status_code=201)
async def create_event(body: ts.EventIn, principal: CurrentPrincipal, request: Request) -> ts.EventOut:
    """Create an event."""
    return await backend(request).tournament.create_event(principal, body)


@events_router.get("/{event_id}", response_model=ts.EventOut)
async def get_event(event_id: str, principal: CurrentPrincipal, request: Request) -> ts.EventOut:
    """One event."""
    return await backend(request).tournament.get_event(principal, event_id)


@events_router.put("/{event_id}", response_model=ts.EventOut)
async def update_event(event_id: str, body: ts.EventUpdate, principal: CurrentPrincipal,
                       request: Request) -> ts.EventOut:
    """Change an event's settings."""
    return await backend(request).tournament.update_event(principal, event_id, body)


@events_router.delete("/{event_id}", status_code=204)
async def delete_event(event_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Delete an event and everything in it (admin)."""
    await backend(request).tournament.delete_event(principal, event_id)
    return Response(status_code=204)


@events_router.get("/{event_id}/state", response_model=TournamentState,
                   responses={204: {"description": "long-poll: no newer version within `wait_s`"}})
async def get_state(
    event_id: str, principal: CurrentPrincipal, request: Request,
    after_version: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    wait_s: Annotated[float, Query(ge=0, le=60)] = 25.0,
) -> Any:
    """The tournament-state message the graph receives (see docs/tournament.md).

    Long-poll: with `after_version=V` the answer waits (up to `wait_s`) until the event's version differs
    from V and is sent at once when it already does; 204 when nothing changed in time. Writes through this
    process wake the request immediately; others are seen within `tournament_push.FALLBACK_RECHECK_S`."""
    api = backend(request).tournament
    if after_version is not None:
        deadline = time.monotonic() + wait_s
        while await api.state_version(principal, event_id) == after_version:
            left = deadline - time.monotonic()
            if left <= 0:
                return Response(status_code=204)
            await BOARD.wait(event_id, min(left, FALLBACK_RECHECK_S))
    return await api.get_state(principal, event_id)


@events_router.put("/{event_id}/graphics", response_model=TournamentState)
async def set_graphics(event_id: str, body: GraphicsCues, principal: CurrentPrincipal,
                       request: Request) -> TournamentState:
    """Put tournament elements on or off air (the `graphics` part of the state message)."""
    return await backend(request).tournament.set_graphics(principal, event_id, body)


@events_router.get("/{event_id}/structure", response_model=list[ts.LevelOut])
async def get_structure(event_id: str, principal: CurrentPrincipal, request: Request) -> list[ts.LevelOut]:
    """The blind structure."""
    return await backend(request).tournament.get_structure(principal, event_id)


@events_router.put("/{event_id}/structure", response_model=list[ts.LevelOut])
async def set_structure(event_id: str, body: ts.StructureIn, principal: CurrentPrincipal,
                        request: Request) -> list[ts.LevelOut]:
    """Replace the blind structure."""
    return await backend(request).tournament.set_structure(principal, event_id, body)


@events_router.post("/{event_id}/structure/csv")
async def import_structure(event_id: str, body: ts.CsvIn, principal: CurrentPrincipal,
                           request: Request) -> dict[str, Any]:
    """Import a blind structure from CSV (all rows valid, or nothing changes; 422 names each bad line)."""
    return await backend(request).tournament.import_csv(principal, event_id, "structure", body.csv)


@events_router.get("/{event_id}/clock", response_model=ts.ClockOut)
async def get_clock(event_id: str, principal: CurrentPrincipal, request: Request) -> ts.ClockOut:
    """The clock now."""
    return await backend(request).tournament.get_clock(principal, event_id)


@events_router.post("/{event_id}/clock", response_model=ts.ClockOut)
async def clock_action(event_id: str, body: ts.ClockIn, principal: CurrentPrincipal,
                       request: Request) -> ts.ClockOut:
    """Start, pause, resume, add or remove time, jump to a level."""
    return await backend(request).tournament.clock_action(principal, event_id, body)


@events_router.get("/{event_id}/tables", response_model=list[ts.TableOut])
async def list_tables(event_id: str, principal: CurrentPrincipal, request: Request) -> list[ts.TableOut]:
    """Tables with their player counts."""
    return await backend(request).tournament.list_tables(principal, event_id)


@events_router.post("/{event_id}/tables", response_model=ts.TableOut, status_code=201)
async def create_table(event_id: str, body: ts.TableIn, principal: CurrentPrincipal,
                       request: Request) -> ts.TableOut:
    """Add a table."""
    return await backend(request).tournament.create_table(principal, event_id, body)


@events_router.post("/{event_id}/tables/{table_id}/break", response_model=list[ts.MoveOut])
async def break_table(event_id: str, table_id: str, principal: CurrentPrincipal, request: Request,
                      seed: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None) -> list[ts.MoveOut]:
    """Break a table: its players move to the emptiest open tables."""
    return await backend(request).tournament.break_table(principal, event_id, table_id, seed)


@events_router.get("/{event_id}/tables/{table_id}/hand-setup", response_model=ts.HandSetupOut)
async def hand_setup(event_id: str, table_id: str, principal: CurrentPrincipal, request: Request) -> ts.HandSetupOut:
    """The live table's next hand: seats' chip counts and the clock's blinds (the `new_hand` arguments)."""
    return await backend(request).tournament.hand_setup(principal, event_id, table_id)


@events_router.post("/{event_id}/seating", response_model=list[ts.MoveOut])
async def seating(event_id: str, body: ts.SeatingIn, principal: CurrentPrincipal,
                  request: Request) -> list[ts.MoveOut]:
    """Seat draw (`draw`) or table balancing (`balance`)."""
    return await backend(request).tournament.seating(principal, event_id, body)


@events_router.get("/{event_id}/entries", response_model=list[ts.EntryOut])
async def list_entries(event_id: str, principal: CurrentPrincipal, request: Request,
                       table_id: Annotated[str | None, Query(max_length=32)] = None,
                       active_only: bool = False) -> list[ts.EntryOut]:
    """Entries (of one table; only live ones)."""
    return await backend(request).tournament.list_entries(principal, event_id, table_id, active_only)


@events_router.post("/{event_id}/entries", response_model=ts.EntryOut, status_code=201)
async def create_entry(event_id: str, body: ts.EntryIn, principal: CurrentPrincipal,
                       request: Request) -> ts.EntryOut:
    """Register a player (a re-entry when their earlier entry is out)."""
    return await backend(request).tournament.create_entry(principal, event_id, body)


@events_router.post("/{event_id}/entries/{entry_id}/move", response_model=ts.EntryOut)
async def move_entry(event_id: str, entry_id: str, body: ts.MoveIn, principal: CurrentPrincipal,
                     request: Request) -> ts.EntryOut:
    """Move a player to another table."""
    return await backend(request).tournament.move_entry(principal, event_id, entry_id, body)


@events_router.put("/{event_id}/entries/{entry_id}/chips", response_model=ts.EntryOut)
async def set_chips(event_id: str, entry_id: str, body: ts.ChipsIn, principal: CurrentPrincipal,
                    request: Request) -> ts.EntryOut:
    """One seat's chip count (the later of two writes wins; `chips_version` grows with each)."""
    return await backend(request).tournament.set_chips(principal, event_id, entry_id, body)


@events_router.post("/{event_id}/chips", response_model=list[ts.EntryOut])
async def bulk_chips(event_id: str, body: ts.BulkChipsIn, principal: CurrentPrincipal,
                     request: Request) -> list[ts.EntryOut]:
    """Chip counts for a table or the whole field, all or nothing."""
    return await backend(request).tournament.bulk_chips(principal, event_id, body)


@events_router.post("/{event_id}/chips/csv")
async def import_chips(event_id: str, body: ts.CsvIn, principal: CurrentPrincipal,
                       request: Request) -> dict[str, Any]:
    """Import chip counts from CSV (all rows valid, or nothing changes)."""
    return await backend(request).tournament.import_csv(principal, event_id, "chips", body.csv)


@events_router.get("/{event_id}/chips/history", response_model=list[ts.ChipCountOut])
async def chip_history(event_id: str, principal: CurrentPrincipal, request: Request,
                       entry_id: Annotated[str | None, Query(max_length=32)] = None,
                       limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[ts.ChipCountOut]:
    """Recorded counts, newest first."""
    return await backend(request).tournament.chip_history(principal, event_id, entry_id, limit)


@events_router.get("/{event_id}/payouts", response_model=ts.PayoutsOut)
async def get_payouts(event_id: str, principal: CurrentPrincipal, request: Request) -> ts.PayoutsOut:
    """The payout table for the current field."""
    return await backend(request).tournament.get_payouts(principal, event_id)


@events_router.put("/{event_id}/payouts", response_model=ts.PayoutsOut)
async def set_payouts(event_id: str, body: ts.PayoutsIn, principal: CurrentPrincipal,
                      request: Request) -> ts.PayoutsOut:
    """Standard curve or an explicit table."""
    return await backend(request).tournament.set_payouts(principal, event_id, body)


@events_router.post("/{event_id}/payouts/csv")
async def import_payouts(event_id: str, body: ts.CsvIn, principal: CurrentPrincipal,
                         request: Request) -> dict[str, Any]:
    """Import a payout table from CSV (all rows valid, or nothing changes)."""
    return await backend(request).tournament.import_csv(principal, event_id, "payouts", body.csv)


@events_router.get("/{event_id}/eliminations", response_model=list[ts.EliminationOut])
async def list_eliminations(event_id: str, principal: CurrentPrincipal,
                            request: Request) -> list[ts.EliminationOut]:
    """Bust-outs by place."""
    return await backend(request).tournament.list_eliminations(principal, event_id)


@events_router.post("/{event_id}/eliminations", response_model=ts.EliminationOut, status_code=201)
async def eliminate(event_id: str, body: ts.EliminationIn, principal: CurrentPrincipal,
                    request: Request) -> ts.EliminationOut:
    """Record a bust-out: place and prize follow from the field and the payout table."""
    return await backend(request).tournament.eliminate(principal, event_id, body)


@events_router.post("/{event_id}/hands", response_model=ts.HandsOut, status_code=201)
async def add_hands(event_id: str, body: ts.HandIn, principal: CurrentPrincipal, request: Request) -> ts.HandsOut:
    """Store recorded hands (PHH) for on-air stats."""
    return await backend(request).tournament.add_hands(principal, event_id, body)


@events_router.get("/{event_id}/stats", response_model=ts.StatsOut)
async def get_stats(event_id: str, principal: CurrentPrincipal, request: Request) -> ts.StatsOut:
    """VPIP/PFR/AF/WTSD from recorded hands (`source: hands`) or chip data only (`source: chips`)."""
    return await backend(request).tournament.get_stats(principal, event_id)
