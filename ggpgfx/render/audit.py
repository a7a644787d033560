"""On-air checks of one rendered overlay frame against the TableState it was drawn from.

The input is the layout's own record of what it drew (`Scene.drawn`: every text with its role, panel
and card, in frame pixels), not OCR. Checks: every amount, name, card and percentage equals the state
(amounts parsed back within the rounding of the digits shown); no two element boxes, no two texts of
one element and no overlay box and camera text panel overlap unless the skin declares the pair; nothing
outside the title-safe area; and, for venue-safe outputs, no pixel difference inside a seat's card areas
between the frame and the same frame drawn with the hole cards removed from the source. No text is cut to
fit (an ellipsis on anything but a name, or a text past its element's edge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ggpgfx.poker.messages import SeatState, TableState
from ggpgfx.render.draw import Drawn
from ggpgfx.render.formats import SHORT_UNITS
from ggpgfx.render.layout import TITLE_SAFE_MARGIN, Layout
from ggpgfx.render.scene import Placed, Scene

Box = tuple[int, int, int, int]  # x, y, w, h
IN_HAND = ("preflop", "flop", "turn", "river", "showdown", "complete")
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
#: The one made hand a Hold'em player can hold before the flop (broadcast practice: nothing else is labelled).
PREFLOP_LABEL = re.compile(r"Pair of \w+")


@dataclass(frozen=True)
class Finding:
    """One thing wrong on air: the check, the element, a sentence, and the boxes to outline."""

    check: str  # values, overlap, title_safe, clipped, hole_cards
    element: str
    message: str
    boxes: tuple[Box, ...] = ()


def title_safe(width: int, height: int) -> Box:
    """The title-safe rectangle of a frame."""
    x, y = int(round(width * TITLE_SAFE_MARGIN)), int(round(height * TITLE_SAFE_MARGIN))
    return x, y, width - 2 * x, height - 2 * y


def parse_amount(text: str, chip_format: str, big_blind: int) -> tuple[float, float]:
    """A drawn chip amount and its rounding (half a unit of the last digit shown)."""
    text = text.strip()
    if chip_format == "bb" and big_blind > 0:
        match = re.fullmatch(rf"({_NUMBER}) BB", text)
        if not match:
            raise ValueError(f"not an amount in big blinds: {text!r}")
        number = match.group(1).replace(",", "")
        decimals = len(number.split(".")[1]) if "." in number else 0
        return float(number) * big_blind, 0.5 * big_blind / 10**decimals
    if chip_format in ("short", "bb"):
        match = re.fullmatch(r"(-?\d+(?:\.\d+)?)([kMB]?)", text)
        if not match:
            raise ValueError(f"not a short amount: {text!r}")
        unit = {name: size for size, name in SHORT_UNITS}[match.group(2)]
        decimals = len(match.group(1).split(".")[1]) if "." in match.group(1) else 0
        return float(match.group(1)) * unit, 0.5 * unit / 10**decimals
    if not re.fullmatch(r"-?\d{1,3}(?:,\d{3})*", text):
        raise ValueError(f"not an exact amount: {text!r}")
    return float(text.replace(",", "")), 0.5


def _amount_ok(text: str, want: float, chip_format: str, big_blind: int) -> str | None:
    try:
        value, rounding = parse_amount(text, chip_format, big_blind)
    except ValueError as exc:
        return str(exc)
    if abs(value - want) > rounding * (1 + 1e-9) + 1e-9:
        return f"{text!r} reads {value:,.0f} but the state says {want:,.0f}"
    return None


def _name_ok(drawn: str, want: str) -> bool:
    """The name as drawn, its family name (narrow strips) or its first initial and family name (a long name in
    a player box), either cut with an ellipsis to fit."""
    parts = want.split()
    family = parts[-1] if parts else want
    if drawn in (want, family) or (len(parts) > 1 and drawn == f"{parts[0][0]}. {family}"):
        return True
    cut = drawn[:-1].rstrip() if drawn.endswith("\u2026") else None
    return bool(cut) and (want.startswith(cut) or family.startswith(cut))  # type: ignore[arg-type]


def _percent_ok(text: str, equity: float) -> bool:
    if text == "<1%":
        return 0 < equity * 100 < 1
    match = re.fullmatch(r"(\d+)%", text)
    return match is not None and abs(int(match.group(1)) - equity * 100) <= 0.5 + 1e-9


def _visible(seat: SeatState, reveal: str) -> bool:
    return seat.revealed_to == "live" or (reveal == "delayed" and seat.revealed_to == "delayed")


def _action_problem(drawn: str, seat: SeatState, state: TableState, lay: Layout) -> str | None:
    """The badge says what the seat did in the betting round now running (a bet goes when its chips are pulled
    into the pot), FOLD, ALL IN, or WINS what it collected (in the output's language)."""
    from ggpgfx.render.views import shown_action

    won = state.winnings.get(seat.seat, 0)
    if won > 0 and state.street in ("showdown", "complete"):
        match = re.fullmatch(re.escape(lay.action("Wins").upper()) + r" (.+)", drawn)
        if match is None:
            return f"{drawn!r} where the seat won {won:,}"
        return _amount_ok(match.group(1), won, lay.chip_format, state.big_blind)
    want = lay.badge(shown_action(seat, state) or "", state.big_blind)
    cut = drawn[:-1].rstrip() if drawn.endswith("\u2026") else None
    if drawn != want and not (cut and want.startswith(cut)):
        return f"{drawn!r} but the state says {want or 'no action'!r}"
    return None


def check_values(drawn: list[tuple[str, Drawn]], state: TableState, scene: Scene) -> list[Finding]:
    """Every amount, name, card and percentage drawn equals the state it was drawn from."""
    lay, reveal = scene.layout, scene.options.reveal
    fmt = lay.chip_format
    by_element: dict[str, list[Drawn]] = {}
    for name, item in drawn:
        by_element.setdefault(name, []).append(item)
    seats = {s.seat: s for s in state.seats}
    found: list[Finding] = []

    def bad(element: str, message: str, *items: Drawn) -> None:
        found.append(Finding("values", element, message, tuple(i.box for i in items)))

    for element, items in by_element.items():
        texts = {role: [i for i in items if i.kind == "text" and i.role == role] for role in
                 ("name", "amount", "percent", "pot", "blinds", "pots", "outs_title", "action", "hand_label")}
        faces = [i for i in items if i.kind == "card" and i.value]
        if element.startswith("seat:"):
            seat = seats.get(int(element.split(":")[1]))
            if seat is None:
                bad(element, "a player box for a seat the state does not have", *items[:1])
                continue
            for item in texts["name"]:
                if not _name_ok(item.value, lay.name(seat.name)):
                    bad(element, f"name {item.value!r} but seat {seat.seat} is {seat.name!r}", item)
            for item in texts["amount"]:
                problem = _amount_ok(item.value, seat.stack, fmt, state.big_blind)
                if problem:
                    bad(element, f"seat {seat.seat} stack: {problem}", item)
            for item in texts["action"]:
                problem = _action_problem(item.value, seat, state, lay)
                if problem:
                    bad(element, f"seat {seat.seat} badge: {problem}", item)
            shows = _visible(seat, reveal) and state.street in IN_HAND and seat.status in ("active", "all_in")
            if shows and seat.equity is not None and not texts["percent"]:
                bad(element, f"seat {seat.seat}: equity {seat.equity:.3f} is not shown", *items[:1])
            for item in texts["percent"]:
                if not shows or seat.equity is None:
                    bad(element, f"seat {seat.seat}: {item.value} drawn for a hand this output may not see", item)
                elif not _percent_ok(item.value, seat.equity):
                    bad(element, f"seat {seat.seat}: {item.value} but equity is {seat.equity:.4f}", item)
            for item in texts["hand_label"]:
                cut = item.value[:-1].rstrip() if item.value.endswith("\u2026") else None
                label = lay.hand(seat.hand_label) if seat.hand_label else None
                if not shows or not label or not (item.value == label or (cut and label.startswith(cut))):
                    bad(element, f"seat {seat.seat}: hand label {item.value!r} but the state says "
                        f"{seat.hand_label if shows else 'hidden'!r}", item)
                elif len(state.board) < 3 and not PREFLOP_LABEL.fullmatch(seat.hand_label or ""):
                    bad(element, f"seat {seat.seat}: {item.value!r} before the flop (only a pocket pair is a "
                        "made hand there)", item)
            want_cards = list(seat.hole_cards) if shows else []
            if [f.value for f in faces] not in (want_cards, []) or (faces and not shows):
                bad(element, f"seat {seat.seat}: cards {[f.value for f in faces]} but the state says "
                    f"{want_cards if shows else 'hidden'}", *faces)
        elif element == "board":
            if [f.value for f in faces] != list(state.board):
                bad(element, f"board {[f.value for f in faces]} but the state says {list(state.board)}", *faces)
            for item in texts["pot"]:
                problem = _amount_ok(item.value.removeprefix(lay.word("POT")).strip(), state.total_pot, fmt,
                                     state.big_blind)
                if problem:
                    bad(element, f"pot: {problem}", item)
            for item in texts["blinds"]:
                match = re.fullmatch(re.escape(lay.word("BLINDS")) + r" (\S+)/(\S+)(?:  " + re.escape(lay.word("ANTE"))
                                     + r" (\S+))?", item.value)
                if not match:
                    bad(element, f"blinds text {item.value!r} does not read", item)
                    continue
                blind_fmt = "short" if fmt == "bb" else fmt
                for text, want in zip(match.groups(), (state.small_blind, state.big_blind, state.ante),
                                      strict=True):
                    problem = _amount_ok(text, want, blind_fmt, 0) if text is not None else None
                    if problem:
                        bad(element, f"blinds: {problem}", item)
            for item in texts["pots"]:
                parts = item.value.split("  \u00b7  ")
                for index, part in enumerate(parts):
                    match = re.fullmatch(rf"(?:{re.escape(lay.word('MAIN'))}|{re.escape(lay.word('SIDE'))}(?: \d+)?) (\d.*)",
                                         part)
                    want_pot = state.pots[index].amount if index < len(state.pots) else None
                    problem = "missing" if match is None or want_pot is None else \
                        _amount_ok(match.group(1), want_pot, fmt, state.big_blind)
                    if problem:
                        bad(element, f"pot {index + 1}: {problem}", item)
        elif element in ("leaderboard", "chip_strip"):
            rows = sorted((s for s in state.seats if s.status != "empty"), key=lambda s: (-s.stack, s.seat))
            axis = 1 if element == "leaderboard" else 0
            names = sorted(texts["name"], key=lambda i: i.box[axis])
            amounts = sorted(texts["amount"], key=lambda i: i.box[axis])
            if len(names) != len(amounts) or len(names) > len(rows):
                bad(element, f"{len(names)} names and {len(amounts)} amounts for {len(rows)} players", *items[:1])
                continue
            for seat, name_item, amount_item in zip(rows, names, amounts, strict=False):
                if not _name_ok(name_item.value, lay.name(seat.name)):
                    bad(element, f"row {name_item.value!r} where {seat.name!r} ranks", name_item)
                problem = _amount_ok(amount_item.value, seat.stack, fmt, state.big_blind)
                if problem:
                    bad(element, f"{seat.name}: {problem}", amount_item)
        elif element == "outs":
            for item in texts["outs_title"]:
                match = re.fullmatch(rf"(.+) \u00b7 (\d+) (?:{re.escape(lay.word('OUT'))}|{re.escape(lay.word('OUTS'))})",
                                     item.value)
                seat_named = next((s for s in state.seats if match and lay.name(s.name) == match.group(1)), None)
                if match is None or seat_named is None or seat_named.outs is None:
                    bad(element, f"outs title {item.value!r} names no seat with outs", item)
                    continue
                if int(match.group(2)) != len(seat_named.outs) or \
                        [f.value for f in faces] != list(seat_named.outs)[:len(faces)]:
                    bad(element, f"outs {[f.value for f in faces]} but {seat_named.name} has "
                        f"{list(seat_named.outs)}", item, *faces)
    return found


def check_field_boards(drawn: list[tuple[str, Drawn]], state: TableState, scene: Scene) -> list[Finding]:
    """Once a hand at this table has finished, the tournament's boards (leaderboard, strip) show each player the
    table seats with the table's stack: the table's chip counts and the field's are one number."""
    if not state.hand_number or state.street not in ("complete", "idle"):
        return []
    lay, found = scene.layout, []
    seats = [s for s in state.seats if s.status != "empty" and s.name]
    for element, axis in (("tournament_leaderboard", 1), ("tournament_strip", 0)):
        names = sorted((i for n, i in drawn if n == element and i.kind == "text" and i.role == "name"),
                       key=lambda i: i.box[axis])
        amounts = sorted((i for n, i in drawn if n == element and i.kind == "text" and i.role == "amount"),
                         key=lambda i: i.box[axis])
        big_blind = scene.tournament.big_blind() if scene.tournament is not None else state.big_blind
        for name_item, amount_item in zip(names, amounts, strict=False):
            matches = [s for s in seats if _name_ok(name_item.value, lay.name(s.name))]
            if len(matches) != 1:
                continue
            problem = _amount_ok(amount_item.value, matches[0].stack, lay.chip_format, big_blind)
            if problem:
                found.append(Finding("values", element, f"{matches[0].name} on the field's board: {problem} "
                                     "(the table's stack)", (name_item.box, amount_item.box)))
    return found


#: the tournament elements, and the English words of their fixed texts (one of them left in an output of
#: another language is untranslated)
TOURNAMENT_ELEMENTS = ("tournament_leaderboard", "tournament_strip", "blinds_clock", "field_bug", "payouts",
                       "elimination", "profile_card")
_TOURNAMENT_ENGLISH = re.compile(r"\b(?:LEVEL|NEXT|FINAL|BREAK|PAUSED|LEFT|PLAYERS|AVG|STACK|PRIZE|POOL|PAYOUTS|"
                                 r"ELIMINATED|PLACE|CHIP|RANK|CHIPS|FINISHED|WON|WINS|COUNTS)\b")
_FIXED_ROLES = ("title", "subtitle", "level", "status", "next", "label", "place", "rank", "ante")


def check_tournament_texts(drawn: list[tuple[str, Drawn]], scene: Scene) -> list[Finding]:
    """The tournament elements' words, read in the output's language: the clock's level, the elimination's
    place, the profile card's chip rank or finishing place and the payout places read back to the tournament
    state's numbers; an output in another language draws no English fixed word."""
    from ggpgfx.render.i18n import phrase_pattern, read_ordinal

    state = scene.tournament
    if state is None:
        return []
    lang = scene.layout.lang
    found: list[Finding] = []
    places = {p for band in state.payouts for p in (band.places_from, band.places_to)}
    for element, item in drawn:
        if element not in TOURNAMENT_ELEMENTS or item.kind != "text" or item.value.endswith("\u2026"):
            continue  # a text cut to fit cannot be read back whole
        value, problem = item.value, None
        if lang != "en" and item.role in _FIXED_ROLES and _TOURNAMENT_ENGLISH.search(value):
            problem = f"{value!r} is English in a {lang} output"
        elif element == "blinds_clock" and item.role == "level" and state.clock is not None \
                and not state.clock.level.is_break:
            match = phrase_pattern("LEVEL {n}", lang).fullmatch(value)
            if match is None or not match["n"].isdigit() or int(match["n"]) < state.clock.level_number:
                problem = f"{value!r} for level {state.clock.level_number}"
        elif element == "elimination" and item.role == "place":
            problem = _place_problem(value, state, state.graphics.elimination, lang)
        elif element == "profile_card" and item.role == "rank":
            problem = _rank_problem(value, state, lang)
        elif element == "payouts" and item.role == "place" and value != "\u22ee":  # "⋮": places left out
            read = [read_ordinal(part, lang) for part in value.split("-")]
            if None in read or not set(read) <= places:  # type: ignore[operator]
                problem = f"{value!r} is not a paid place ({', '.join(map(str, sorted(places)))})"
        if problem:
            found.append(Finding("values", element, f"{element}: {problem}", (item.box,)))
    return found


def _finishing_place(state: Any, player_id: str | None) -> int | None:
    player = state.player(player_id) if player_id else None
    if player is None:
        return None
    record = next((e for e in state.eliminations if e.player_id == player.id), None)
    return record.place if record is not None else player.eliminated_place  # type: ignore[no-any-return]


def _place_problem(value: str, state: Any, player_id: str | None, lang: str) -> str | None:
    from ggpgfx.render.i18n import phrase_pattern, read_ordinal, word

    place = _finishing_place(state, player_id)
    match = phrase_pattern("ELIMINATED IN {place} PLACE", lang).fullmatch(value)
    if match is not None and read_ordinal(match["place"], lang) == place:
        return None
    if match is None and place is None and value == word("ELIMINATED", lang):
        return None
    return f"{value!r} where the player finished {place or 'unplaced'}"


def _rank_problem(value: str, state: Any, lang: str) -> str | None:
    from ggpgfx.render.i18n import phrase_pattern, read_ordinal

    player = state.player(state.graphics.profile) if state.graphics.profile else None
    if player is None:
        return None
    if player.active:
        standings = state.standings()
        rank = next(i for i, p in enumerate(standings) if p.id == player.id) + 1
        match = phrase_pattern("CHIP RANK {rank} OF {count}", lang).fullmatch(value)
        if match is not None and match["rank"] == str(rank) and match["count"] == str(len(standings)):
            return None
        return f"{value!r} where the player is {rank} of {len(standings)} in chips"
    match = phrase_pattern("FINISHED {place}", lang).fullmatch(value)
    if match is not None and read_ordinal(match["place"], lang) == player.eliminated_place:
        return None
    return f"{value!r} where the player finished {player.eliminated_place}"


def footprints(placed: list[Placed]) -> dict[str, Box]:
    """Each shown element's box in frame pixels: the extent of its non-transparent pixels."""
    result: dict[str, Box] = {}
    for p in placed:
        if p.opacity <= 0:
            continue
        bbox = p.image.getchannel("A").getbbox()
        if bbox:
            result[p.name] = (p.x + bbox[0], p.y + bbox[1], bbox[2] - bbox[0], bbox[3] - bbox[1])
    return result


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _kind(name: str) -> str:
    return "players" if name.startswith("seat:") else name


def check_layout(placed: list[Placed], drawn: list[tuple[str, Drawn]], scene: Scene,
                 camera_text: list[Box] | None = None) -> list[Finding]:
    """No two element boxes overlap (unless the skin declares the pair), no two texts of one element
    overlap, no element covers a text panel of the camera picture or the camera's board (`Scene.keep_clear`,
    from the frame's board zone), nothing leaves the title-safe area."""
    allowed = {frozenset(pair) for pair in scene.skin.overlaps}
    boxes = footprints(placed)
    found: list[Finding] = []
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            declared = _kind(a) != _kind(b) and frozenset((_kind(a), _kind(b))) in allowed
            if _overlap(boxes[a], boxes[b]) and not declared:
                found.append(Finding("overlap", f"{a}+{b}", f"{a} and {b} overlap", (boxes[a], boxes[b])))
        for bx0, by0, bx1, by1 in scene.keep_clear:
            if _overlap(boxes[a], (bx0, by0, bx1 - bx0, by1 - by0)):
                found.append(Finding("overlap", f"{a}+camera", f"{a} covers the board on the camera picture",
                                     (boxes[a], (bx0, by0, bx1 - bx0, by1 - by0))))
        for index, box in enumerate(camera_text or ()):
            if _overlap(boxes[a], tuple(box)):  # type: ignore[arg-type]
                found.append(Finding("overlap", f"{a}+camera", f"{a} covers text on the camera picture "
                                     f"(plate {index + 1})", (boxes[a], tuple(box))))  # type: ignore[arg-type]
    texts: dict[str, list[Drawn]] = {}
    for name, item in drawn:
        if item.kind == "text":
            texts.setdefault(name, []).append(item)
    for name, items in texts.items():
        for i, a_item in enumerate(items):
            for b_item in items[i + 1:]:
                if _overlap(a_item.box, b_item.box):
                    found.append(Finding("overlap", name, f"{name}: {a_item.value!r} runs into {b_item.value!r}",
                                         (a_item.box, b_item.box)))
    sx, sy, sw, sh = title_safe(scene.layout.width, scene.layout.height)
    for name, (x, y, w, h) in boxes.items():
        if x < sx or y < sy or x + w > sx + sw or y + h > sy + sh:
            found.append(Finding("title_safe", name, f"{name} at {x},{y} {w}x{h} leaves the title-safe area "
                                 f"{sx},{sy} {sw}x{sh}", ((x, y, w, h),)))
    return found


#: Texts that may be cut with an ellipsis to fit (broadcast practice for long names); any other cut text is wrong.
MAY_BE_CUT = ("name",)


def check_clipping(placed: list[Placed], drawn: list[tuple[str, Drawn]]) -> list[Finding]:
    """No text is cut on air: none shortened with an ellipsis (names aside) and none reaching past the edges
    of the element it was drawn in (the ticker's scrolling text is clipped by its window on purpose)."""
    bounds = {p.name: (p.x, p.y, p.image.width, p.image.height) for p in placed if p.opacity > 0}
    found: list[Finding] = []
    for name, item in drawn:
        if item.kind != "text" or name not in bounds or item.role == "ticker":
            continue
        if item.value.endswith("\u2026") and item.role not in MAY_BE_CUT:
            found.append(Finding("clipped", name, f"{name}: {item.role or 'text'} {item.value!r} is cut to fit",
                                 (item.box,)))
        elif not _inside(item.box, bounds[name]):
            found.append(Finding("clipped", name, f"{name}: {item.role or 'text'} {item.value!r} runs past the "
                                 "element's edge", (item.box, bounds[name])))
    return found


def _inside(a: Box, b: Box) -> bool:
    return a[0] >= b[0] and a[1] >= b[1] and a[0] + a[2] <= b[0] + b[2] and a[1] + a[3] <= b[1] + b[3]


def card_areas(drawn: list[tuple[str, Drawn]], meta: dict[str, Any], width: int, height: int) -> list[Box]:
    """Where hole cards can be seen: the seat zones of the camera frame and the cards of the player boxes."""
    from ggpgfx.render.venue import seat_zone_boxes

    areas = [(x0, y0, x1 - x0, y1 - y0) for x0, y0, x1, y1 in seat_zone_boxes(meta, width, height)]
    areas += [item.box for name, item in drawn if name.startswith("seat:") and item.kind == "card"]
    return areas


def differing_areas(a: list[np.ndarray], b: list[np.ndarray], areas: list[Box]) -> list[Box]:
    """The areas (luma and chroma) in which two yuv420p frames differ."""
    result = []
    for x, y, w, h in areas:
        x0, y0 = max(0, x), max(0, y)
        if any(not np.array_equal(pa[y0 // d:(y + h + d - 1) // d, x0 // d:(x + w + d - 1) // d],
                                  pb[y0 // d:(y + h + d - 1) // d, x0 // d:(x + w + d - 1) // d])
               for pa, pb, d in zip(a[:3], b[:3], (1, 2, 2), strict=True)):
            result.append((x, y, w, h))
    return result


def strip_hole_cards(state: TableState) -> TableState:
    """The state as if the source never had the hole cards nobody has tabled (for the venue comparison)."""
    stripped = state.model_copy(deep=True)
    for seat in stripped.seats:
        if seat.revealed_to != "live":
            seat.hole_cards, seat.equity_win, seat.equity_share, seat.hand_label, seat.outs = [], None, None, None, None
    return stripped


def write_failure_png(path: Path, planes: list[np.ndarray], findings: list[Finding]) -> Path:
    """The frame as a PNG with the offending boxes outlined in red."""
    from ggpgfx.render.layers import yuv_to_rgb

    luma = planes[0].astype(np.float32)
    u, v = (np.repeat(np.repeat(p, 2, axis=0), 2, axis=1)[:luma.shape[0], :luma.shape[1]].astype(np.float32)
            for p in planes[1:3])
    image = Image.fromarray(np.clip(yuv_to_rgb(luma, u, v) + 0.5, 0, 255).astype(np.uint8), "RGB")
    pen = ImageDraw.Draw(image)
    for finding in findings:
        for x, y, w, h in finding.boxes:
            pen.rectangle((x - 2, y - 2, x + w + 1, y + h + 1), outline=(255, 32, 32), width=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
