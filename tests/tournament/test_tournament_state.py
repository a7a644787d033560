"""The tournament-state message: JSON round trip, validation with field paths, derived values."""

from __future__ import annotations

import json

import pytest

from ggpgfx.errors import ConfigError
from ggpgfx.tournament import TournamentState, parse_tournament_state
from ggpgfx.tournament.samples import sample_tournament


def test_json_round_trip_is_exact() -> None:
    state = sample_tournament()
    again = parse_tournament_state(state.to_json())
    assert again == state
    assert json.loads(again.to_json())["schema_version"] == 1


def test_derived_values() -> None:
    state = sample_tournament(entries=27, remaining=18)
    standings = state.standings()
    assert len(standings) == 18 and all(a.chips >= b.chips for a, b in zip(standings, standings[1:], strict=False))
    assert state.leader() == standings[0]
    assert sum(p.chips for p in standings) == state.field.total_chips
    assert state.average_stack() == 27 * 30_000 // 18
    assert state.big_blind() == 1000 and state.clock is not None and state.clock.level_number == 5
    for e in state.eliminations:
        player = state.player(e.player_id)
        assert player is not None and player.eliminated_place == e.place and player.prize == e.prize
    assert [e.place for e in state.eliminations] == sorted(e.place for e in state.eliminations)


def test_big_blind_during_a_break_is_the_last_levels() -> None:
    state = sample_tournament(level_index=6)
    assert state.clock is not None and state.clock.level.is_break
    assert state.big_blind() == 1200
    assert state.clock.next_playing_level is not None and state.clock.next_playing_level.big_blind == 1600


def test_every_problem_named_with_its_path() -> None:
    data = json.loads(sample_tournament().to_json())
    data["players"][2]["country"] = "XX"
    data["players"][3]["chips"] = -5
    with pytest.raises(ConfigError) as info:
        parse_tournament_state(data)
    text = str(info.value)
    assert text.startswith("2 errors in tournament state")
    assert "players.2.country: 'XX' is not an ISO 3166-1 alpha-2 country code" in text
    assert "players.3.chips" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(chip_leader="nobody"), "chip_leader names player 'nobody', who is not in players"),
        (lambda d: d["graphics"].update(profile="p99"), "graphics.profile names player 'p99'"),
        (lambda d: d["players"].append(dict(d["players"][0])), "player id 'p1' appears twice"),
        (lambda d: d["clock"].update(level_index=40), "level_index 40 is outside levels"),
        (lambda d: d["payouts"].pop(1), "places 2 have no payout"),
        (lambda d: d["players"][0].update(country="uk"), "the United Kingdom is 'GB'"),
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d.update(colour="red"), "colour: Extra inputs are not permitted"),
    ],
)
def test_inconsistent_states_are_refused(change, message) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(sample_tournament().to_json())
    change(data)
    with pytest.raises(ConfigError, match="tournament state") as info:
        parse_tournament_state(data)
    assert message in str(info.value)


def test_not_json_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="tournament state is not JSON"):
        parse_tournament_state("{players: ")
    with pytest.raises(ConfigError, match="must be a JSON object, got list"):
        parse_tournament_state("[]")


def test_lower_case_country_is_normalised() -> None:
    state = TournamentState.model_validate({"players": [{"id": "a", "name": "A", "country": "de"}]})
    assert state.players[0].country == "DE"


def test_clock_in_the_message_advances_through_levels() -> None:
    state = sample_tournament(level_index=0)
    clock = state.clock
    assert clock is not None and clock.remaining_s == 720
    later = clock.at(clock.as_of + 720 + 1200 + 5)  # level 0's rest, all of level 1, 5 s into level 2
    assert later.level_index == 2 and later.remaining_s == pytest.approx(1195)
    paused = clock.model_copy(update={"running": False})
    assert paused.at(clock.as_of + 5000) == paused
