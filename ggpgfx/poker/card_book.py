"""What the table's sensors say about the cards of one hand: hole cards per seat, board, muck, flags.

Reads are facts from hardware, so they are kept even when the operator undoes an action; duplicates
are ignored and contradictions are flagged rather than raised, because a live show must go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ggpgfx.poker.cards import FULL_DECK


@dataclass
class CardBook:
    """Card knowledge accumulated from reads, in arrival order."""

    seats: list[int]
    hole_count: int
    deck: tuple[str, ...] = FULL_DECK  # the variant's deck: a read of any other card is flagged
    hole: dict[int, list[str]] = field(default_factory=dict)
    board: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)  # mucked or burned cards nobody holds
    mucks: list[tuple[int, int]] = field(default_factory=list)  # (event position, seat) folds by muck read
    flags: list[str] = field(default_factory=list)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for seat in self.seats:
            self.hole.setdefault(seat, [])

    def _flag(self, text: str) -> None:
        if text not in self.flags:
            self.flags.append(text)

    def add(self, position: int, zone: str, seat: int, card: str | None) -> None:
        """Take one read (zone "seat", "board", "muck" or "burn")."""
        if card is None:
            self._flag(f"unregistered tag read in {zone}" + (f" of seat {seat}" if zone == "seat" else ""))
            return
        card = card[0].upper() + card[1].lower() if len(card) == 2 else card
        if card not in self.deck:
            self._flag(f"read of {card!r}, which is not a card of this deck")
            return
        here = (zone, seat if zone == "seat" else -1)
        seen = self.where.get(card)
        if seen is not None:
            if seen == here:
                return  # the same card read twice where it lies: a duplicate
            if zone == "muck" and seen[0] == "seat":
                if all(s != seen[1] for _, s in self.mucks):
                    self.mucks.append((position, seen[1]))
                return
            if zone in ("muck", "burn") and seen[0] in ("muck", "burn"):
                return
            self._flag(f"conflicting reads: {card} in {_place(here)} but already in {_place(seen)}")
            return
        if zone == "seat":
            if seat not in self.hole:
                self._flag(f"read of {card} at seat {seat}, which is not in the hand")
                return
            if len(self.hole[seat]) >= self.hole_count:
                self._flag(f"seat {seat} has more than {self.hole_count} cards: extra {card} ignored")
                return
            self.hole[seat].append(card)
        elif zone == "board":
            if len(self.board) >= 5:
                self._flag(f"sixth board card {card} ignored")
                return
            self.board.append(card)
        elif zone in ("muck", "burn"):
            self.dead.append(card)
        else:
            self._flag(f"read in unknown zone {zone!r}")
            return
        self.where[card] = here

    def known_hole(self, seat: int) -> list[str]:
        """Known hole cards of a seat (may be fewer than the game deals)."""
        return list(self.hole.get(seat, []))


def _place(where: tuple[str, int]) -> str:
    return f"seat {where[1]}" if where[0] == "seat" else where[0]
