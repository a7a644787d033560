"""A recorded PHH hand as the control requests an operator would send (tests and benchmarks replay them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ggpgfx.poker.phh_script import hand_script


def hand_requests(path: str | Path, index: int = 0, hand_number: int = 1) -> list[tuple[str, dict[str, Any]]]:
    """(verb, args) pairs that play hand `index` of a PHH file through the control protocol."""
    requests: list[tuple[str, dict[str, Any]]] = []
    hole: dict[int, list[str]] = {}
    board: list[str] = []
    seen: set[str] = set()  # cards shown at showdown were dealt already

    def flush() -> None:
        for seat, cards in hole.items():
            requests.append(("deal", {"seat": seat, "cards": cards}))
        hole.clear()
        if board:
            requests.append(("board", {"cards": list(board)}))
            board.clear()

    for step in hand_script(path, hand_number, index):
        if step.read is not None:
            if step.read["card"] in seen:
                continue
            seen.add(str(step.read["card"]))
            if step.read["zone"] == "seat":
                hole.setdefault(int(step.read["seat"]), []).append(str(step.read["card"]))
            else:
                if hole:
                    flush()
                board.append(str(step.read["card"]))
            continue
        action = step.action
        assert action is not None
        flush()
        if action.kind == "start_hand":
            assert action.hand is not None
            setup = action.hand
            requests.append(("new_hand", {
                "hand_number": setup.hand_number, "game": setup.game, "button": setup.button,
                "small_blind": setup.small_blind, "big_blind": setup.big_blind, "ante": setup.ante,
                "big_blind_ante": setup.big_blind_ante, "straddles": list(setup.straddles),
                "seats": [s.model_dump() for s in setup.seats]}))
        elif action.kind == "fold":
            requests.append(("fold", {"seat": action.seat}))
        elif action.kind in ("check", "call"):
            requests.append(("check_call", {"seat": action.seat}))
        elif action.kind in ("bet", "raise"):
            requests.append(("bet", {"seat": action.seat, "amount": action.amount}))
        elif action.kind == "showdown":
            requests.append(("show", {"seat": action.seat}))
        elif action.kind == "end_hand":
            requests.append(("next_hand", {}))
        # award_pot: the rules award the pots themselves once the cards are known
    return requests
