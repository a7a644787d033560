"""The player box: photo or flag, name, stack, hole cards, equity bar and %, hand label, action badge."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageFont

from ggpgfx.render import draw
from ggpgfx.render.draw import rgba
from ggpgfx.render.elements import ElementFrame, Wanted, bind, register_element
from ggpgfx.render.formats import format_chips, format_percent
from ggpgfx.render.layout import TITLE_SAFE_MARGIN, Layout

FOLDED_OPACITY = 0.45
#: An action badge may be narrowed to this share of the skin's width to keep off the camera's board, rather
#: than push its row (and every row under it) down past the board.
MIN_BADGE_SHARE = 0.6
#: More players than the skin's column holds above the ticker (ten seats) draws every row smaller, down to this
#: share of the skin's size; rows that still do not fit are left out.
MIN_ROW_SCALE = 0.7
#: The smallest size (skin units; the skin's size is 15) a hand label is set at before it is cut to fit.
HAND_LABEL_MIN = 12


@dataclass(frozen=True)
class PlayerView:
    """What one player box shows; hashable, so it doubles as the box's cache key."""

    seat: int
    name: str
    stack: float
    status: str
    hole_cards: tuple[str, ...]  # empty when the output may not see them
    card_count: int  # cards dealt (backs are drawn for hidden ones)
    equity: float | None
    hand_label: str | None
    action: str | None
    is_to_act: bool
    is_button: bool
    country: str | None
    photo: str | None
    big_blind: int
    winner: bool = False
    badge_w: int | None = None  # pixels, where the column narrowed this row's badge (None: the skin's width)
    scale: float = 1.0  # the box's size against the skin's, below 1 where the column shrank its rows to fit


def badge_style(action: str, layout: Layout) -> tuple[str, str]:
    """Fill and ink colour keys of an action badge."""
    word = action.split()[0].upper() if action else ""
    if word in ("ALL", "ALL-IN", "ALLIN"):
        return "all_in", "badge_text"
    if word in ("FOLD", "FOLDS"):
        return "folded", "badge_text"
    if word in ("WINS", "WIN", "WINNER"):
        return "winner", "badge_text"
    return "badge", "badge_text"


def _slot(image: Image.Image, view: PlayerView, layout: Layout, box: tuple[int, int, int, int]) -> None:
    x, y, w, h = box
    radius = layout.px(layout.skin.radius * 0.8)
    if view.photo:
        picture = draw.load_image(Path(view.photo), w, h)
        if picture is not None:
            draw.over(image, draw.rounded_image(picture, radius), (x, y))
            return
    draw.panel(image, box, rgba(layout.skin.color("panel_alt")), radius)
    label = (view.country or "".join(part[0] for part in view.name.split()[:2]) or "?").upper()[:3]
    face = draw.fit_font(layout.font_path("bold"), label, layout.px(26), w - layout.px(8))
    draw.text(image, (x + w / 2, y + h / 2), label, face, rgba(layout.skin.color("text_dim")), anchor="mm",
              role="initials")


def fitted_name(layout: Layout, name: str, width: int, size: int, min_size: int) -> tuple[str, ImageFont.FreeTypeFont]:
    """A name and the largest bold face, `size` down to `min_size`, in which it fits `width`. A name that does not
    fit even at `min_size` is shortened as captions shorten it, the first name to its initial ("ARISTEIDIS
    MOSCHONAS" -> "A. MOSCHONAS") and then the family name alone, before it is cut with an ellipsis."""
    path = layout.font_path("bold")
    for text in draw.caption_forms(name):
        face = draw.fit_font(path, text, size, width, min_size)
        if draw.text_length(face, text) <= width:
            return text, face
    return name, draw.fit_font(path, name, size, width, min_size)


def render_player(view: PlayerView, layout: Layout) -> Image.Image:
    """Draw one player box (plus its action badge to the right: the skin's width unless the column narrowed
    it, `view.badge_w`) as a straight-alpha RGBA image, `view.scale` times the skin's size."""
    if view.scale != 1.0:
        layout = layout.scaled(view.scale)
    skin = layout.skin
    box_w, box_h = layout.size("players")
    px = layout.px
    badge_w = view.badge_w or px(layout.extra("players", "badge_w", 150))
    gap = px(8)
    shadow = px(4) if skin.shadow else 0
    image = draw.canvas(box_w + gap + badge_w + shadow, box_h + shadow)
    radius = px(skin.radius)
    if shadow:
        draw.panel(image, (shadow, shadow, box_w, box_h), rgba(skin.color("shadow")), radius)
    border_key = "winner" if view.winner else "to_act" if view.is_to_act else "all_in" \
        if view.status == "all_in" else "border"
    border_px = max(1, px(skin.border * (1.5 if border_key != "border" else 1)))
    draw.panel(image, (0, 0, box_w, box_h), rgba(skin.color("panel")), radius, rgba(skin.color(border_key)), border_px)

    pad = px(8)
    slot = box_h - 2 * pad - px(6)
    _slot(image, view, layout, (pad, pad, slot, slot))
    if view.is_button:
        disc = px(24)
        dx, dy = pad + slot - disc + px(6), pad + slot - disc + px(6)
        draw.fill_mask(image, draw.ellipse_mask(disc, disc), rgba(skin.color("button")), (dx, dy))
        draw.text(image, (dx + disc / 2, dy + disc / 2 + px(1)), "D", layout.font("bold", 15),
                  rgba(skin.color("button_text")), anchor="mm", role="button")

    cards_w, equity_w = px(104), px(62)
    text_x = pad + slot + px(10)
    text_w = box_w - text_x - cards_w - equity_w - px(14)
    ink, dim = rgba(skin.color("text")), rgba(skin.color("text_dim"))
    name, name_face = fitted_name(layout, layout.name(view.name), text_w, px(26), px(19))
    draw.text(image, (text_x, px(24)), name, name_face, ink, max_width=text_w, role="name")
    stack_text = format_chips(view.stack, layout.chip_format, view.big_blind)  # type: ignore[arg-type]
    draw.text(image, (text_x, px(51)), stack_text, layout.font("bold", 22), rgba(skin.color("stack")),
              max_width=text_w, role="amount")
    if view.hand_label:
        # a long label ("Two Pair, Eights and Sevens" in a narrow skin) is set smaller before it is cut
        label = layout.hand(view.hand_label)
        face = draw.fit_font(layout.font_path("regular"), label, px(15), text_w, max(8, px(HAND_LABEL_MIN)))
        draw.text(image, (text_x, px(71)), label, face, dim, max_width=text_w, role="hand_label")

    cards_x = box_w - cards_w - equity_w - px(2)
    if view.status != "folded" and view.card_count:
        count = view.card_count
        card_w, card_h = px(46), px(66)
        step = card_w + px(4) if count <= 2 else (cards_w - card_w) / (count - 1)
        for index in range(count):
            code = view.hole_cards[index] if index < len(view.hole_cards) else None
            index_w = 0 if count <= 2 else int(step) + (card_w - int(step)) * (index == count - 1)
            draw.card(image, (int(cards_x + index * step), px(9), card_w, card_h), code, skin,
                      face_up=code is not None, index_w=min(index_w, card_w - 2))
    if view.equity is not None and view.status != "folded":
        percent = format_percent(view.equity)
        face = draw.fit_font(layout.font_path("bold"), percent, px(25), equity_w - px(6))
        draw.text(image, (box_w - pad, px(40)), percent, face, ink, anchor="rm", role="percent")
        bar_x, bar_y, bar_w, bar_h = cards_x, px(78), box_w - cards_x - pad, max(2, px(4))
        draw.panel(image, (bar_x, bar_y, bar_w, bar_h), rgba(skin.color("equity_bg")), bar_h // 2)
        filled = int(round(bar_w * max(0.0, min(1.0, view.equity))))
        if filled >= bar_h:
            draw.panel(image, (bar_x, bar_y, filled, bar_h), rgba(skin.color("equity_bar")), bar_h // 2)

    if view.action:
        fill_key, ink_key = badge_style(view.action, layout)
        badge_h = px(30)
        draw.pill(image, (box_w + gap, (box_h - badge_h) // 2, badge_w, badge_h), layout.badge(view.action,
                                                                                          view.big_blind),
                  rgba(skin.color(fill_key)), rgba(skin.color(ink_key)),
                  layout.font_path("badge" if "badge" in skin.fonts else "bold"), role="action")
    if view.status == "folded":
        draw.flush(image)  # reads and rewrites the pixels
        alpha = image.getchannel("A").point(lambda v: int(v * FOLDED_OPACITY))
        image.putalpha(alpha)
    return image


@register_element("players", order=10)
def want_players(frame: ElementFrame) -> dict[str, Wanted]:
    """One box per seated player, stacked down from the skin's origin: during a hand and at its end (winner)."""
    from ggpgfx.render.views import IN_HAND_STREETS, player_view, shown_seats

    state, lay = frame.state, frame.layout
    assert state is not None
    shown = frame.visibility("players")
    # boxes stay through "complete" so the winner is seen; the leaderboard shares that moment
    if shown == "off" or (shown == "auto" and state.street not in (*IN_HAND_STREETS, "complete")):
        return {}
    x0, y0 = lay.origin("players")
    seats = list(shown_seats(state))
    scale, box_h, gap, rows = _rows(frame, len(seats), x0, y0)
    out: dict[str, Wanted] = {}
    for seat, (y, width) in zip(seats, rows, strict=False):
        if y + box_h + gap > lay.height:
            break
        stack = frame.counted(seat.seat, "stack", seat.stack)
        equity = frame.counted(seat.seat, "equity", seat.equity)
        view = player_view(seat, state, frame.options.reveal, stack, equity, state.winnings.get(seat.seat, 0))
        if view.photo:
            view = replace(view, photo=frame.scene.allowed_photo(view.photo))
        if width is not None or scale != 1.0:
            view = replace(view, badge_w=width, scale=scale)
        out[f"seat:{seat.seat}"] = Wanted(view, bind(render_player, view, lay), (x0, y))
    return out


def _rows(frame: ElementFrame, count: int, x0: int, y0: int) -> tuple[float, int, int, list[tuple[int, int | None]]]:
    """(scale, row height, gap, rows) of the player column: each row's top and its narrowed badge width (None:
    the skin's). The column flows around the camera's board; where that pushes the last row under the ticker
    or out of the title-safe area, the skin's own column wins (it fits nine rows); where even that does not
    fit (ten seats), every row is drawn smaller until they fit, down to MIN_ROW_SCALE."""
    lay = frame.layout
    keep_clear = frame.scene.keep_clear
    bottom = None
    scale = 1.0
    while True:
        sized = lay if scale == 1.0 else lay.scaled(scale)
        box_w, box_h = sized.size("players")
        gap = sized.px(lay.extra("players", "gap", 6))
        badge_w = sized.px(lay.extra("players", "badge_w", 150))
        badge_x = x0 + box_w + sized.px(8)
        if bottom is None:
            bottom = _bottom(frame, x0, badge_x + badge_w, y0, gap)
        column = Column(x0, badge_x, badge_w, box_h, gap, int(badge_w * MIN_BADGE_SHARE))
        placed = column.place(count, y0, keep_clear)
        if placed and placed[-1][0] + box_h > bottom:
            placed = column.place(count, y0, keep_clear, skip=False)
        fits = not placed or placed[-1][0] + box_h <= bottom
        if fits or scale <= MIN_ROW_SCALE:
            rows = [(y, None if width == badge_w else width) for y, width in placed]
            return scale, box_h, gap, rows
        # the skin's column holds fewer rows than there are players: shrink every row, a step at a time
        scale = max(MIN_ROW_SCALE, round(scale - 0.02, 2))


def _bottom(frame: ElementFrame, x0: int, x1: int, top: int, gap: int) -> int:
    """The lowest row bottom the column may reach: the title-safe area's, or above the ticker when it shows
    under the column."""
    from ggpgfx.render.elements.panels import ticker_text

    lay = frame.layout
    bottom = lay.height - int(round(lay.height * TITLE_SAFE_MARGIN))
    if lay.has("ticker") and ticker_text(frame.state, frame.options):
        tx, ty = lay.origin("ticker")
        tw, _ = lay.size("ticker")
        if ty > top and tx < x1 and x0 < tx + tw:
            bottom = min(bottom, ty - gap)
    return bottom


@dataclass(frozen=True)
class Column:
    """Where the player rows go: a box from `x0` and its action badge from `badge_x`, `badge_w` wide."""

    x0: int
    badge_x: int
    badge_w: int
    row_h: int
    gap: int
    min_badge: int

    def place(self, count: int, y: int, boxes: tuple[tuple[int, int, int, int], ...],
              skip: bool = True) -> list[tuple[int, int]]:
        """(top, badge width) of `count` rows stacked down from `y`, keeping `gap` pixels off every box
        (x0, y0, x1, y1) of the camera picture they share columns with: a box only the badge strip meets narrows
        that row's badge (down to `min_badge`); otherwise the row moves below the box (`skip`) or, without
        `skip`, stays where the skin puts it."""
        rows = []
        for _ in range(count):
            while True:
                width, below = self.badge_w, y
                for bx0, by0, bx1, by1 in boxes:
                    if not (y < by1 + self.gap and by0 - self.gap < y + self.row_h):
                        continue
                    if self.x0 < bx1 and bx0 < self.badge_x:  # the box itself (or the space before the badge)
                        below = max(below, by1 + self.gap)
                    elif self.badge_x < bx1 and bx0 < self.badge_x + self.badge_w:
                        room = bx0 - self.gap - self.badge_x
                        if room >= self.min_badge:
                            width = min(width, room)
                        else:
                            below = max(below, by1 + self.gap)
                if below == y or not skip:
                    break
                y = below
            rows.append((y, width))
            y += self.row_h + self.gap
        return rows
