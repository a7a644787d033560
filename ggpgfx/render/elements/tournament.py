"""Tournament elements drawn from the tournament-state message (`render.overlay` input `tournament`).

Leaderboard (paged, with flags), chip-count strip, blinds-and-clock bug, players-remaining and
average-stack bug, payout table, elimination lower third and player profile card. Each shows while the
operator's cue in `TournamentState.graphics` is on (`show: {name: on|off}` forces it either way), and
draws nothing without a tournament state. They do not follow the table's TableState (`table=False`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

from ggpgfx.render import draw, i18n
from ggpgfx.render.draw import rgba
from ggpgfx.render.elements import ElementFrame, Wanted, bind, register_element
from ggpgfx.render.flags import draw_flag
from ggpgfx.render.formats import format_chips
from ggpgfx.render.layout import Layout
from ggpgfx.render.photos import photo_image

if TYPE_CHECKING:
    from ggpgfx.tournament.clock import BlindLevel
    from ggpgfx.tournament.state import ClockState, TournamentPlayer, TournamentState

CURRENCY_SIGNS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5", "AUD": "A$", "CAD": "C$"}


def money(amount: int, currency: str) -> str:
    """A prize as broadcast shows it: `$12,500`, `€800`, `12,500 KRW`."""
    sign = CURRENCY_SIGNS.get(currency.upper())
    return f"{sign}{amount:,}" if sign else f"{amount:,} {currency.upper()}".strip()


def ordinal(place: int, lang: str = "en") -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd (in Spanish 1.º, 22.º)."""
    return i18n.ordinal(place, lang) if lang != "en" else i18n.ordinal(place, lang).lower()


def chips_text(amount: int, layout: Layout, big_blind: int, in_bb: bool) -> str:
    """Chips in the output's format, or in big blinds when the `stacks_in_bb` cue is on."""
    return format_chips(amount, "bb" if in_bb else layout.chip_format, big_blind)  # type: ignore[arg-type]


def blinds_text(level: BlindLevel) -> str:
    """`500/1,000` (the antes go on a line of their own)."""
    return f"{level.small_blind:,}/{level.big_blind:,}"


def ante_text(level: BlindLevel, lang: str = "en") -> str:
    """`BB ANTE 1,000`, `ANTE 100`, or '' without antes."""
    if level.big_blind_ante:
        return i18n.phrase("BB ANTE {amount}", lang, amount=f"{level.big_blind_ante:,}")
    return i18n.phrase("ANTE {amount}", lang, amount=f"{level.ante:,}") if level.ante else ""


def clock_text(seconds: float) -> str:
    """`12:05` (or `1:02:05` past an hour), rounding up so 0:00 means the level is over."""
    whole = int(-(-seconds // 1))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


# --- shared drawing ------------------------------------------------------------------------------------------

def _frame_panel(layout: Layout, w: int, h: int) -> Image.Image:
    skin, px = layout.skin, layout.px
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw.panel(image, (0, 0, w, h), rgba(skin.color("panel")), px(skin.radius), rgba(skin.color("border")),
               max(1, px(skin.border)))
    return image


def _header(image: Image.Image, layout: Layout, height: int, title: str, right: str = "") -> None:
    skin, px = layout.skin, layout.px
    w = image.width
    radius = px(skin.radius)
    draw.panel(image, (0, 0, w, height), rgba(skin.color("header")), radius)
    draw.fill_mask(image, draw.rounded_mask(w, height // 2, 0), rgba(skin.color("header")), (0, height // 2))
    ink, pad = rgba(skin.color("header_text")), px(12)
    face = layout.font("bold", 19)
    right_w = int(face.getlength(right)) if right else 0
    if right_w and face.getlength(title) + right_w + 3 * pad > w:  # a narrow panel keeps its title, drops the extra
        right, right_w = "", 0
    draw.text(image, (pad, height / 2), title, face, ink, max_width=w - 3 * pad - right_w, role="title")
    if right:
        draw.text(image, (w - pad, height / 2), right, face, ink, anchor="rm", role="subtitle")


def _flag(image: Image.Image, layout: Layout, code: str | None, x: int, cy: float, height: int) -> int:
    """A flag of `height` with its left edge at x, centred on cy; returns its width (0 without a country)."""
    if not code:
        return 0
    w = int(height * 1.5)
    skin = layout.skin
    draw_flag(image, (x, int(cy - height / 2), w, height), code, layout.font_path("bold"),
              rgba(skin.color("badge")), rgba(skin.color("badge_text")), max(1, layout.px(2)))
    return w


def _portrait(image: Image.Image, layout: Layout, player: TournamentPlayer, box: tuple[int, int, int],
              shape: str) -> None:
    """The photo (circle or rounded square) at (x, y, size), or initials on a disc/panel without one."""
    x, y, size = box
    skin = layout.skin
    radius = layout.px(skin.radius)
    picture = photo_image(player.photo, size, "circle" if shape == "circle" else "square", radius)
    if picture is not None:
        image.alpha_composite(picture, (x, y))
        return
    mask = draw.ellipse_mask(size, size) if shape == "circle" else draw.rounded_mask(size, size, radius)
    draw.fill_mask(image, mask, rgba(skin.color("panel_alt")), (x, y))
    initials = "".join(part[0] for part in player.name.split()[:2]).upper() or "?"
    face = draw.fit_font(layout.font_path("bold"), initials, int(size * 0.4), int(size * 0.8))
    draw.text(image, (x + size / 2, y + size / 2), initials, face, rgba(skin.color("text_dim")), anchor="mm",
              role="initials")


# --- leaderboard ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One leaderboard or strip entry (hashable: part of the element's cache key)."""

    rank: int
    name: str
    country: str | None
    chips: int


def render_standings(rows: tuple[Row, ...], title: str, right: str, big_blind: int, in_bb: bool,
                     layout: Layout) -> Image.Image:
    """Chip counts under a header: rank, flag, name, stack."""
    px, skin = layout.px, layout.skin
    w, row_h = layout.size("tournament_leaderboard")
    h = row_h * (len(rows) + 1) + px(6)
    image = _frame_panel(layout, w, h)
    _header(image, layout, row_h, title, right)
    pad = px(12)
    ink, dim, stack_ink = rgba(skin.color("text")), rgba(skin.color("text_dim")), rgba(skin.color("stack"))
    face, bold = layout.font("regular", 18), layout.font("bold", 19)
    rank_w = int(bold.getlength(str(rows[-1].rank if rows else 1))) + px(12)
    flag_h = int(row_h * 0.5)
    for index, row in enumerate(rows):
        cy = row_h * (index + 1.5)
        if index % 2:
            draw.fill_mask(image, draw.rounded_mask(w - 2 * px(4), row_h, 0), rgba(skin.color("panel_alt"), 0.6),
                           (px(4), int(row_h * (index + 1))))
        draw.text(image, (pad, cy), str(row.rank), bold, dim, role="rank")
        x = pad + max(rank_w, px(34))
        flag_w = _flag(image, layout, row.country, x, cy, flag_h)
        x += flag_w + (px(10) if flag_w else 0)
        amount = chips_text(row.chips, layout, big_blind, in_bb)
        amount_w = int(bold.getlength(amount))
        draw.text(image, (w - pad, cy), amount, bold, stack_ink, anchor="rm", role="amount")
        room = w - x - pad - amount_w - px(10)
        draw.text(image, (x, cy), draw.caption(face, layout.name(row.name), room), face, ink, max_width=room,
                  role="name")
    return image


def _rows(players: list[TournamentPlayer], start: int) -> tuple[Row, ...]:
    return tuple(Row(start + i + 1, p.name, p.country, p.chips) for i, p in enumerate(players))


def _cued(frame: ElementFrame, name: str, cue: bool) -> bool:
    """The operator's cue, unless the output forces the element with `show: {name: on|off}`."""
    forced = frame.options.show.get(name, "auto")
    return forced == "on" or (forced == "auto" and cue)


def _tournament(frame: ElementFrame) -> TournamentState | None:
    return getattr(frame, "tournament", None)


def rows_above_board(frame: ElementFrame, name: str, rows: int) -> int:
    """How many of `rows` rows (under a header row) a table panel may draw and still end above the camera's board
    (`keep_clear`, the frame's board zone) where it shares columns with it; at least one."""
    lay = frame.layout
    x0, y0 = lay.origin(name)
    w, row_h = lay.size(name)
    gap = lay.px(6)
    for bx0, by0, bx1, by1 in frame.scene.keep_clear:
        if x0 < bx1 and bx0 < x0 + w and by1 > y0:  # shares columns with a board at or below the panel's top
            rows = min(rows, (by0 - gap - y0 - lay.px(6)) // row_h - 1)
    return max(1, rows)


@register_element("tournament_leaderboard", order=42, table=False)
def want_tournament_leaderboard(frame: ElementFrame) -> dict[str, Wanted]:
    """The tournament's chip counts (every table), a page of `graphics.leaderboard_rows` at a time."""
    state = _tournament(frame)
    if state is None or not _cued(frame, "tournament_leaderboard", state.graphics.leaderboard):
        return {}
    lay, cues = frame.layout, state.graphics
    per_page = max(1, min(cues.leaderboard_rows, int(lay.extra("tournament_leaderboard", "rows", 10))))
    per_page = rows_above_board(frame, "tournament_leaderboard", per_page)  # the rest are on the next pages
    memory = frame.memory
    sorted_for: object = memory.get("standings_of")
    if sorted_for is not state:  # sorted once per state, not per frame while pages turn
        memory["standings_of"], memory["standings"] = state, state.standings()
    standings = memory["standings"]
    pages = max(1, -(-len(standings) // per_page))
    page = min(cues.leaderboard_page, pages - 1)
    if cues.leaderboard_page_s and pages > 1:  # pages turn on their own, counted from when the cue arrived
        since = getattr(frame.scene, "tournament_since", None) or 0
        page = (page + int(max(0, frame.pts - since) / 1e6 // cues.leaderboard_page_s)) % pages
    rows = _rows(standings[page * per_page:(page + 1) * per_page], page * per_page)
    right = i18n.phrase("{n} LEFT", lay.lang, n=state.players_remaining()) + (f"  {page + 1}/{pages}" if pages > 1
                                                                                else "")
    title = lay.word("CHIP COUNTS")
    big_blind, in_bb = state.big_blind(), cues.stacks_in_bb
    key = ("tournament_leaderboard", rows, right, big_blind, in_bb, lay.chip_format)
    return {"tournament_leaderboard": Wanted(key, bind(render_standings, rows, title, right, big_blind, in_bb, lay),
                                             lay.origin("tournament_leaderboard"))}


def render_strip(rows: tuple[Row, ...], big_blind: int, in_bb: bool, layout: Layout) -> Image.Image:
    """A full-width strip of the top stacks with flags; entries share the width and never overlap."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("tournament_strip")
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw.fill_mask(image, draw.rounded_mask(w, h, 0), rgba(skin.color("ticker")), (0, 0))
    draw.fill_mask(image, draw.rounded_mask(w, max(1, px(2)), 0), rgba(skin.color("header")), (0, h - max(1, px(2))))
    if not rows:
        return image
    slot = w / len(rows)
    name_face, amount_face = layout.font("regular", 17), layout.font("bold", 18)
    for index, row in enumerate(rows):
        x0 = int(index * slot) + px(10)
        amount = chips_text(row.chips, layout, big_blind, in_bb)
        amount_w = int(amount_face.getlength(amount))
        draw.text(image, (x0 + slot - px(20), h / 2), amount, amount_face, rgba(skin.color("stack")), anchor="rm",
                  role="amount")
        flag_w = _flag(image, layout, row.country, x0, h / 2, int(h * 0.42))
        x = x0 + flag_w + (px(6) if flag_w else 0)
        room = int(x0 + slot - px(28) - amount_w - x)
        parts = row.name.split()
        label = layout.name(parts[-1] if parts else row.name)  # the strip uses family names, as captions do
        draw.text(image, (x, h / 2), label, name_face, rgba(skin.color("text")), max_width=room, role="name")
    return image


@register_element("tournament_strip", order=52, table=False)
def want_tournament_strip(frame: ElementFrame) -> dict[str, Wanted]:
    """The biggest stacks of the tournament along one line (`graphics.chip_strip`)."""
    state = _tournament(frame)
    if state is None or not _cued(frame, "tournament_strip", state.graphics.chip_strip):
        return {}
    lay = frame.layout
    count = int(lay.extra("tournament_strip", "count", 6))
    rows = _rows(state.standings()[:count], 0)
    big_blind, in_bb = state.big_blind(), state.graphics.stacks_in_bb
    key = ("tournament_strip", rows, big_blind, in_bb, lay.chip_format)
    return {"tournament_strip": Wanted(key, bind(render_strip, rows, big_blind, in_bb, lay),
                                       lay.origin("tournament_strip"), "top")}


# --- clock and field -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClockView:
    """What the clock bug shows (hashable; the time is whole seconds so it redraws once a second)."""

    level_label: str
    blinds: str
    ante: str
    time: str
    status: str  # "", "PAUSED", "BREAK"
    next_label: str


def clock_view(clock: ClockState, lang: str = "en") -> ClockView:
    """The bug's texts for a clock at one moment (in the output's language; a break's own name as given)."""
    level = clock.level
    nxt = clock.next_playing_level
    if level.is_break:
        label, blinds, ante = (level.name.upper() if level.name else i18n.word("BREAK", lang)), "", ""
    else:
        label = i18n.phrase("LEVEL {n}", lang, n=clock.level_number)
        blinds, ante = blinds_text(level), ante_text(level, lang)
    next_label = i18n.phrase("NEXT {blinds}", lang, blinds=blinds_text(nxt)) if nxt is not None else \
        i18n.word("FINAL LEVEL", lang)
    if nxt is not None and clock.next_level is not None and clock.next_level.is_break:
        next_label = i18n.word("BREAK NEXT", lang)
    status = i18n.word("PAUSED", lang) if not clock.running and clock.remaining_s > 0 else ""
    return ClockView(label, blinds, ante, clock_text(clock.remaining_s), status, next_label)


def render_clock(view: ClockView, layout: Layout) -> Image.Image:
    """Level box on the left, blinds and antes in the middle, the time left on the right, the next level below."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("blinds_clock")
    image = _frame_panel(layout, w, h)
    top_h = int(h * 0.64)
    label_w = px(110)
    draw.panel(image, (0, 0, label_w, top_h), rgba(skin.color("header")), px(skin.radius))
    face = draw.fit_font(layout.font_path("bold"), view.level_label, px(20), label_w - px(12), px(10))
    draw.text(image, (label_w / 2, top_h / 2), view.level_label, face, rgba(skin.color("header_text")), anchor="mm",
              role="level")
    ink, dim, accent = rgba(skin.color("text")), rgba(skin.color("text_dim")), rgba(skin.color("stack"))
    # a narrow bug (the 9:16 column, a wide font) gives the time less room before the blinds lose legibility
    need = max(draw.text_length(layout.font("bold", 13), view.blinds), draw.text_length(layout.font("regular", 12),
                                                                                         view.ante))
    time_size = 34
    time_face = layout.font("bold", time_size)
    while time_size > 24 and w - label_w - draw.text_length(time_face, "00:00") - px(38) < need:
        time_size -= 1
        time_face = layout.font("bold", time_size)
    time_w = int(time_face.getlength("00:00")) + px(8)
    draw.text(image, (w - px(12), top_h / 2 - (px(6) if view.status else 0)), view.time, time_face,
              ink if view.status else accent, anchor="rm", role="time")
    if view.status:
        draw.text(image, (w - px(12), top_h - px(9)), view.status, layout.font("bold", 13), dim, anchor="rm",
                  role="status")
    middle_x, middle_w = label_w + px(12), w - label_w - time_w - px(30)
    # blinds and ante shrink to fit the narrow 9:16 column rather than lose digits to an ellipsis
    if view.blinds:
        draw.text(image, (middle_x, top_h * (0.36 if view.ante else 0.5)), view.blinds,
                  draw.fit_font(layout.font_path("bold"), view.blinds, px(26), middle_w, px(9)), ink,
                  max_width=middle_w, role="blinds")
    if view.ante:
        draw.text(image, (middle_x, top_h * 0.78), view.ante,
                  draw.fit_font(layout.font_path("regular"), view.ante, px(16), middle_w, px(9)), dim,
                  max_width=middle_w, role="ante")
    draw.fill_mask(image, draw.rounded_mask(w - px(16), max(1, px(1)), 0), rgba(skin.color("border")),
                   (px(8), top_h))
    draw.text(image, (px(12), (top_h + h) / 2), view.next_label, layout.font("regular", 16), dim,
              max_width=w - px(24), role="next")
    return image


@register_element("blinds_clock", order=60, table=False)
def want_blinds_clock(frame: ElementFrame) -> dict[str, Wanted]:
    """Level, blinds and antes, time left (counting down between messages) and the next level (`graphics.clock`)."""
    state = _tournament(frame)
    if state is None or state.clock is None or not _cued(frame, "blinds_clock", state.graphics.clock):
        return {}
    since = getattr(frame.scene, "tournament_since", None)
    clock = state.clock
    if since is not None:
        clock = clock.at(clock.as_of + max(0, frame.pts - since) / 1e6)
    lay = frame.layout
    view = clock_view(clock, lay.lang)
    return {"blinds_clock": Wanted(view, bind(render_clock, view, lay), lay.origin("blinds_clock"), "top")}


@dataclass(frozen=True)
class FieldView:
    """The players-remaining and average-stack bug's texts."""

    cells: tuple[tuple[str, str, str], ...]  # (label, value, a smaller line under the value or "")


def render_field(view: FieldView, layout: Layout) -> Image.Image:
    """Label-over-value cells side by side."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("field_bug")
    image = _frame_panel(layout, w, h)
    cell = w / max(1, len(view.cells))
    label_face = layout.font("bold", 14)
    for index, (label, value, sub) in enumerate(view.cells):
        cx = cell * (index + 0.5)
        if index:
            draw.fill_mask(image, draw.rounded_mask(max(1, px(1)), h - px(20), 0), rgba(skin.color("border")),
                           (int(cell * index), px(10)))
        room = int(cell) - px(12)
        label_fit = draw.fit_font(layout.font_path("bold"), label, px(14), room, px(9))
        draw.text(image, (cx, h * (0.24 if sub else 0.3)), label, label_fit, rgba(skin.color("text_dim")),
                  anchor="mm", max_width=room, role="label")
        face = draw.fit_font(layout.font_path("bold"), value, px(24), room, px(11))
        draw.text(image, (cx, h * (0.53 if sub else 0.66)), value, face, rgba(skin.color("stack")), anchor="mm",
                  role="amount")
        if sub:
            draw.text(image, (cx, h * 0.8), sub, label_face, rgba(skin.color("text")), anchor="mm", max_width=room,
                      role="amount_bb")
    return image


@register_element("field_bug", order=61, table=False)
def want_field_bug(frame: ElementFrame) -> dict[str, Wanted]:
    """Players remaining of the entries and the average stack in chips and big blinds (`graphics.field`)."""
    state = _tournament(frame)
    if state is None or not _cued(frame, "field_bug", state.graphics.field):
        return {}
    lay = frame.layout
    entries = state.field.entries + state.field.re_entries
    remaining = state.players_remaining()
    average, big_blind = state.average_stack(), state.big_blind()
    avg = format_chips(average, lay.chip_format, big_blind)  # type: ignore[arg-type]
    avg_bb = format_chips(average, "bb", big_blind) if big_blind and lay.chip_format != "bb" else ""
    cells = [(lay.word("PLAYERS"), f"{remaining:,}/{entries:,}" if entries else f"{remaining:,}", ""),
             (lay.word("AVG STACK"), avg, avg_bb)]
    if state.field.prize_pool:
        cells.append((lay.word("PRIZE POOL"), money(state.field.prize_pool, state.event.currency), ""))
    view = FieldView(tuple(cells))
    return {"field_bug": Wanted(view, bind(render_field, view, lay), lay.origin("field_bug"), "top")}


# --- payouts -------------------------------------------------------------------------------------------------

#: the place text of the row standing for paid places left out between the top places and the next one out
PAYOUT_GAP = "\u22ee"  # ⋮ (an ellipsis "…" would read as a text cut to fit)

def render_payouts(rows: tuple[tuple[str, str, bool], ...], title: str, right: str, layout: Layout) -> Image.Image:
    """Place and prize rows under a header; the next place to be paid is highlighted."""
    skin, px = layout.skin, layout.px
    w, row_h = layout.size("payouts")
    h = row_h * (len(rows) + 1) + px(6)
    image = _frame_panel(layout, w, h)
    _header(image, layout, row_h, title, right)
    pad = px(12)
    face, bold = layout.font("regular", 18), layout.font("bold", 19)
    for index, (place, prize, next_out) in enumerate(rows):
        cy = row_h * (index + 1.5)
        top = int(row_h * (index + 1))
        if next_out:
            draw.fill_mask(image, draw.rounded_mask(w - 2 * px(4), row_h, px(4)), rgba(skin.color("accent"), 0.3),
                           (px(4), top))
        elif index % 2:
            draw.fill_mask(image, draw.rounded_mask(w - 2 * px(4), row_h, 0), rgba(skin.color("panel_alt"), 0.6),
                           (px(4), top))
        draw.text(image, (pad, cy), place, face, rgba(skin.color("text")), role="place")
        draw.text(image, (w - pad, cy), prize, bold, rgba(skin.color("stack")), anchor="rm", role="prize")
    return image


@register_element("payouts", order=44, table=False)
def want_payouts(frame: ElementFrame) -> dict[str, Wanted]:
    """The payout table from first place down to the places still to be paid (`graphics.payouts`)."""
    state = _tournament(frame)
    if state is None or not state.payouts or not _cued(frame, "payouts", state.graphics.payouts):
        return {}
    lay = frame.layout
    remaining = state.players_remaining()
    bands = [b for b in state.payouts if remaining <= 0 or b.places_from <= remaining]
    limit = rows_above_board(frame, "payouts", max(1, int(lay.extra("payouts", "rows", 10))))
    gap_after = None  # rows before the PAYOUT_GAP row standing for the places left out
    if len(bands) > limit:
        # keep the top places and the band the next player out falls in (the last band: only places still to be
        # paid are listed), with a PAYOUT_GAP row between them where there is room: "6th" then "8th" read as no 7th
        nxt = next((b for b in bands if b.places_from <= remaining <= b.places_to), bands[-1])
        top = limit - 2 if limit >= 3 else limit - 1
        gap_after = top if limit >= 3 else None
        bands = [*bands[:top], nxt]
    lang = lay.lang
    rows = tuple((ordinal(b.places_from, lang) if b.count == 1 else
                  f"{ordinal(b.places_from, lang)}-{ordinal(b.places_to, lang)}",
                  money(b.amount, state.event.currency), b.places_from <= remaining <= b.places_to) for b in bands)
    if gap_after is not None:
        rows = (*rows[:gap_after], (PAYOUT_GAP, "", False), *rows[gap_after:])
    right = i18n.phrase("POOL {amount}", lang, amount=money(state.field.prize_pool, state.event.currency)) \
        if state.field.prize_pool else ""
    key = ("payouts", rows, right)
    return {"payouts": Wanted(key, bind(render_payouts, rows, lay.word("PAYOUTS"), right, lay),
                              lay.origin("payouts"))}


# --- elimination lower third and profile card ------------------------------------------------------------------

@dataclass(frozen=True)
class PlayerCard:
    """A player as the elimination lower third or the profile card shows them (hashable)."""

    name: str
    nickname: str | None
    country: str | None
    hometown: str | None
    photo: str | None
    line: str  # "ELIMINATED IN 19TH PLACE" or "CHIP RANK 3 OF 18"
    amount: str  # prize or chips
    amount_label: str  # "WINS" or "CHIPS"
    stats: tuple[tuple[str, str], ...] = ()


def _player_from_card(card: PlayerCard) -> TournamentPlayer:
    from ggpgfx.tournament.state import TournamentPlayer

    return TournamentPlayer(id="card", name=card.name, photo=card.photo)


def _name_line(image: Image.Image, layout: Layout, card: PlayerCard, x: int, cy: float, width: int,
               size: float) -> None:
    skin = layout.skin
    flag_h = layout.px(size * 0.75)
    flag_w = _flag(image, layout, card.country, x, cy, flag_h)
    x += flag_w + (layout.px(10) if flag_w else 0)
    name = layout.name(card.name)
    face = draw.fit_font(layout.font_path("bold"), name, layout.px(size), width - flag_w, layout.px(size * 0.6))
    draw.text(image, (x, cy), name, face, rgba(skin.color("text")), max_width=width - flag_w - layout.px(10),
              role="name")


def render_elimination(card: PlayerCard, layout: Layout) -> Image.Image:
    """Photo in a circle, flag and name, 'ELIMINATED IN 19TH PLACE' and the prize."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("elimination")
    image = _frame_panel(layout, w, h)
    pad = px(10)
    size = h - 2 * pad
    _portrait(image, layout, _player_from_card(card), (pad, pad, size), "circle")
    x = pad + size + px(14)
    prize_face = layout.font("bold", 26)
    prize_w = int(prize_face.getlength(card.amount)) if card.amount else 0
    _name_line(image, layout, card, x, h * 0.34, w - x - pad, 30)
    draw.fill_mask(image, draw.rounded_mask(w - x - pad, max(1, px(2)), 0), rgba(skin.color("header")),
                   (x, int(h * 0.56)))
    draw.text(image, (x, h * 0.76), card.line, layout.font("bold", 18), rgba(skin.color("all_in")),
              max_width=w - x - pad - prize_w - px(16), role="place")
    if card.amount:
        draw.text(image, (w - pad - px(6), h * 0.76), card.amount, prize_face, rgba(skin.color("stack")),
                  anchor="rm", role="prize")
    return image


@register_element("elimination", order=72, table=False)
def want_elimination(frame: ElementFrame) -> dict[str, Wanted]:
    """The elimination lower third of the player `graphics.elimination` names: photo, flag, place, prize."""
    state = _tournament(frame)
    if state is None or state.graphics.elimination is None or frame.options.show.get("elimination") == "off":
        return {}
    player = state.player(state.graphics.elimination)
    if player is None:
        return {}
    record = next((e for e in state.eliminations if e.player_id == player.id), None)
    place = record.place if record is not None else player.eliminated_place
    prize = record.prize if record is not None else player.prize or 0
    lay = frame.layout
    line = i18n.phrase("ELIMINATED IN {place} PLACE", lay.lang, place=ordinal(place, lay.lang).upper()) if place \
        else lay.word("ELIMINATED")
    amount = money(prize, state.event.currency) if prize else ""
    card = PlayerCard(player.name, player.nickname, player.country, player.hometown, player.photo, line, amount,
                      lay.action("WINS").upper())
    return {"elimination": Wanted(card, bind(render_elimination, card, lay), lay.origin("elimination"))}


def stat_text(value: float | None, percent: bool) -> str:
    """`24%`, `2.5` or an en dash when the stat is not known yet."""
    if value is None:
        return "\u2013"
    return f"{value:.0f}%" if percent else f"{value:.1f}"


def render_profile(card: PlayerCard, layout: Layout) -> Image.Image:
    """Photo (rounded square), flag and name, nickname and hometown, chips and rank, a row of stats."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("profile_card")
    image = _frame_panel(layout, w, h)
    pad = px(12)
    size = min(h - 2 * pad, int(w * 0.3))
    _portrait(image, layout, _player_from_card(card), (pad, pad, size), "square")
    x = pad + size + px(16)
    width = w - x - pad
    ink, dim = rgba(skin.color("text")), rgba(skin.color("text_dim"))
    _name_line(image, layout, card, x, h * 0.14, width, 30)
    rank_face = layout.font("bold", 15)
    rank_w = int(rank_face.getlength(card.line))
    draw.text(image, (w - pad, h * 0.3), card.line, rank_face, dim, anchor="rm", role="rank")
    details = " \u00b7 ".join(part for part in (f"\u201c{card.nickname}\u201d" if card.nickname else "",
                                                 card.hometown or "") if part)
    if details:
        draw.text(image, (x, h * 0.3), details, layout.font("regular", 17), dim, max_width=width - rank_w - px(12),
                  role="details")
    label_face = layout.font("bold", 14)
    draw.text(image, (x, h * 0.47), card.amount_label, label_face, dim, role="label")
    amount_x = x + int(label_face.getlength(card.amount_label)) + px(12)
    amount_face = draw.fit_font(layout.font_path("bold"), card.amount, px(28), w - pad - amount_x, px(12))
    draw.text(image, (amount_x, h * 0.47), card.amount, amount_face, rgba(skin.color("stack")), role="amount")
    if card.stats:
        top = int(h * 0.6)
        cell = width / len(card.stats)
        draw.panel(image, (x, top, width, h - top - pad), rgba(skin.color("panel_alt")), px(skin.radius * 0.6))
        for index, (label, value) in enumerate(card.stats):
            cx = x + cell * (index + 0.5)
            draw.text(image, (cx, top + (h - top - pad) * 0.3), label, layout.font("bold", 13), dim, anchor="mm",
                      role="label")
            draw.text(image, (cx, top + (h - top - pad) * 0.68), value, layout.font("bold", 22), ink, anchor="mm",
                      role="stat")
    return image


@register_element("profile_card", order=73, table=False)
def want_profile_card(frame: ElementFrame) -> dict[str, Wanted]:
    """The profile card of the player `graphics.profile` names: photo, flag, stats, chip count and rank."""
    state = _tournament(frame)
    if state is None or state.graphics.profile is None or frame.options.show.get("profile_card") == "off":
        return {}
    player = state.player(state.graphics.profile)
    if player is None:
        return {}
    lay = frame.layout
    if player.active:
        standings = state.standings()
        rank = next(i for i, p in enumerate(standings) if p.id == player.id) + 1
        line = i18n.phrase("CHIP RANK {rank} OF {count}", lay.lang, rank=rank, count=len(standings))
        amount = chips_text(player.chips, lay, state.big_blind(), state.graphics.stacks_in_bb)
        label = lay.word("CHIPS")
    else:
        line = i18n.phrase("FINISHED {place}", lay.lang, place=ordinal(player.eliminated_place or 0, lay.lang).upper())
        amount, label = money(player.prize or 0, state.event.currency), lay.word("WON")
    stats: tuple[tuple[str, str], ...] = ()
    if player.stats is not None:
        s = player.stats
        stats = (("VPIP", stat_text(s.vpip, True)), ("PFR", stat_text(s.pfr, True)), ("AF", stat_text(s.af, False)),
                 ("WTSD", stat_text(s.wtsd, True)))
    card = PlayerCard(player.name, player.nickname, player.country, player.hometown, player.photo, line, amount,
                      label, stats)
    return {"profile_card": Wanted(card, bind(render_profile, card, lay), lay.origin("profile_card"))}
