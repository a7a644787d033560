"""Deck registration: which tag UID is which card, saved as JSON; and antenna → zone calibration."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.poker.cards import FULL_DECK, card_to_int, int_to_card


@dataclass
class DeckRegistry:
    """Tag UID → card for one physical deck."""

    deck_id: str = "deck-1"
    tags: dict[str, str] = field(default_factory=dict)

    def card(self, uid: str) -> str | None:
        """The card of a tag, or None when the tag is not registered."""
        return self.tags.get(uid.upper())

    def add(self, uid: str, card: str) -> None:
        """Register a tag; refuses a second tag for a card or a tag already used."""
        uid, card = uid.upper(), int_to_card(card_to_int(card))
        if uid in self.tags:
            raise ConfigError(f"tag {uid} is already registered as {self.tags[uid]}")
        if card in self.tags.values():
            raise ConfigError(f"card {card} already has a tag")
        self.tags[uid] = card

    def missing(self) -> list[str]:
        """Cards of the 52 with no tag yet."""
        have = set(self.tags.values())
        return [c for c in FULL_DECK if c not in have]

    def save(self, path: str | Path) -> None:
        """Write the JSON deck file."""
        data = {"version": 1, "deck_id": self.deck_id, "tags": dict(sorted(self.tags.items(), key=lambda kv:
                                                                              FULL_DECK.index(kv[1])))}
        Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> DeckRegistry:
        """Read a JSON deck file written by `save` (or `ggp rfid register-deck`)."""
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"deck file not found: {file}")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            registry = cls(str(data.get("deck_id", file.stem)))
            for uid, card in data["tags"].items():
                registry.add(uid, card)
        except RecursionError:  # nested past the interpreter's limit: a hostile file, not a deck
            raise ConfigError(f"bad deck file {file}: nested too deeply") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"bad deck file {file}: {exc}") from None
        return registry


def simulated_deck(seed: int = 0, deck_id: str = "sim-deck") -> DeckRegistry:
    """A deterministic deck of 52 tag UIDs (16 hex digits, ISO 15693 style) for the reader simulator."""
    registry = DeckRegistry(deck_id)
    for card in FULL_DECK:
        digest = hashlib.sha256(f"{deck_id}/{seed}/{card}".encode()).hexdigest().upper()
        registry.add("E004" + digest[:12], card)
    return registry


class DeckRegistration:
    """Walks an operator through the 52 cards: each new tag seen is assigned to the next card."""

    def __init__(self, deck_id: str = "deck-1") -> None:
        self.registry = DeckRegistry(deck_id)
        self.rejected: list[tuple[str, str]] = []

    @property
    def next_card(self) -> str | None:
        """The card the operator should place now, or None when done."""
        missing = self.registry.missing()
        return missing[0] if missing else None

    def offer(self, uid: str) -> str | None:
        """A tag was read: assign it to the next card and return that card; None if repeated or done."""
        card = self.next_card
        if card is None:
            return None
        if uid.upper() in self.registry.tags:
            if self.registry.tags[uid.upper()] != card:
                self.rejected.append((uid.upper(), f"already {self.registry.tags[uid.upper()]}"))
            return None
        self.registry.add(uid, card)
        return card


#: Default calibration: antennas 1..10 are seats 1..10, then board, muck, burn.
DEFAULT_ANTENNAS: dict[int, tuple[str, int]] = {**{a: ("seat", a) for a in range(1, 11)},
                                                11: ("board", -1), 12: ("muck", -1), 13: ("burn", -1)}


@dataclass
class AntennaMap:
    """Antenna number → (zone, seat): the table's calibration."""

    antennas: dict[int, tuple[str, int]] = field(default_factory=lambda: dict(DEFAULT_ANTENNAS))

    def zone(self, antenna: int) -> tuple[str, int] | None:
        """(zone, seat) of an antenna, or None when it is not calibrated."""
        return self.antennas.get(antenna)

    def antenna_of(self, zone: str, seat: int = -1) -> int:
        """The antenna that covers a zone (the simulator uses this)."""
        for antenna, value in self.antennas.items():
            if value == (zone, seat if zone == "seat" else -1):
                return antenna
        raise ConfigError(f"no antenna is calibrated for zone {zone} seat {seat}")

    @classmethod
    def parse(cls, data: dict[Any, Any] | str | Path | None) -> AntennaMap:
        """From {antenna: "seat:3" | "board" | "muck" | "burn"} or a JSON/YAML file of that; None: default."""
        if data is None:
            return cls()
        if isinstance(data, str | Path):
            file = Path(data)
            if not file.is_file():
                raise ConfigError(f"antenna calibration file not found: {file}")
            from ggpgfx.graph.load import load_data

            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read antenna calibration file {file}: {exc}") from None
            data = load_data(text, str(file))  # the bounded reader: an alias bomb or deep nesting is refused
            if not isinstance(data, dict):
                raise ConfigError(f"{file}: expected a mapping of antenna number to zone")
        result: dict[int, tuple[str, int]] = {}
        for key, value in data.items():
            try:
                antenna = int(key)
            except (TypeError, ValueError):
                raise ConfigError(f"bad antenna {key!r}: expected an integer") from None
            if not isinstance(value, str):
                raise ConfigError(f"antenna {antenna}: bad zone {value!r:.40}; expected seat:N, board, muck or burn")
            text = value
            zone, _, seat = text.partition(":")
            if zone not in ("seat", "board", "muck", "burn") or (zone == "seat") != bool(seat):
                raise ConfigError(f"antenna {antenna}: bad zone {text!r}; expected seat:N, board, muck or burn")
            if zone == "seat" and not (seat.isdigit() and 1 <= int(seat) <= 10):
                raise ConfigError(f"antenna {antenna}: seat must be 1..10, got {seat!r}")
            result[antenna] = (zone, int(seat) if seat else -1)
        return cls(result)
