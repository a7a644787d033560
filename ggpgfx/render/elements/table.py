"""Table elements: the board with pot, side pots and blinds; outs for a heads-up all-in; the action clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ggpgfx.render import draw
from ggpgfx.render.draw import rgba
from ggpgfx.render.elements import ElementFrame, Wanted, bind, register_element
from ggpgfx.render.formats import format_chips
from ggpgfx.render.layout import Layout

STREET_NAMES = {"preflop": "PRE-FLOP", "flop": "FLOP", "turn": "TURN", "river": "RIVER", "showdown": "SHOWDOWN",
                "complete": "HAND COMPLETE", "idle": ""}


@dataclass(frozen=True)
class BoardView:
    """What the board panel shows (hashable cache key)."""

    board: tuple[str, ...]
    total_pot: float
    pots: tuple[int, ...]
    street: str
    hand_number: int
    small_blind: int
    big_blind: int
    ante: int


def _chips(value: float, layout: Layout, big_blind: int) -> str:
    return format_chips(value, layout.chip_format, big_blind)  # type: ignore[arg-type]


def render_board(view: BoardView, layout: Layout) -> Image.Image:
    """The board panel: header with pot and street, five card positions, blinds and side pots."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("board")
    image = draw.canvas(w, h)
    radius = px(skin.radius)
    draw.panel(image, (0, 0, w, h), rgba(skin.color("panel")), radius, rgba(skin.color("border")),
               max(1, px(skin.border)))
    header_h = px(38)
    draw.panel(image, (0, 0, w, header_h), rgba(skin.color("header")), radius)
    draw.fill_mask(image, draw.rounded_mask(w, header_h // 2, 0), rgba(skin.color("header")), (0, header_h // 2))
    head_ink = rgba(skin.color("header_text"))
    pad = px(14)
    pot_text = f"{layout.word('POT')}  {_chips(view.total_pot, layout, view.big_blind)}"
    draw.text(image, (pad, header_h / 2), pot_text, layout.font("bold", 25), head_ink, max_width=w // 2,
              role="pot")
    right = layout.word(STREET_NAMES.get(view.street, view.street.upper()))
    if view.hand_number:
        hand = layout.word("HAND")
        right = f"{right}  ·  {hand} {view.hand_number}" if right else f"{hand} {view.hand_number}"
    draw.text(image, (w - pad, header_h / 2), right, layout.font("bold", 17), head_ink, anchor="rm",
              max_width=w // 2 - pad, role="street")

    footer_h = px(30)
    card_h = h - header_h - footer_h - px(12)
    card_w = int(card_h * 0.72)
    step = card_w + px(8)
    x0 = (w - (5 * step - px(8))) // 2
    for index in range(5):
        box = (x0 + index * step, header_h + px(6), card_w, card_h)
        if index < len(view.board):
            draw.card(image, box, view.board[index], skin)
        else:
            draw.card_slot(image, box, skin)

    dim = rgba(skin.color("text_dim"))
    foot_y = h - footer_h / 2 - px(2)
    blinds = f"{layout.word('BLINDS')} {_chips(view.small_blind, layout, 0)}/{_chips(view.big_blind, layout, 0)}"
    if view.ante:
        blinds += f"  {layout.word('ANTE')} {_chips(view.ante, layout, 0)}"
    face = layout.font("bold", 15)
    draw.text(image, (pad, foot_y), blinds if view.big_blind else "", face, dim, max_width=w // 2,
              role="blinds")
    if len(view.pots) > 1:
        parts = [f"{layout.word('MAIN')} {_chips(view.pots[0], layout, view.big_blind)}"]
        parts += [f"{layout.word('SIDE')}{'' if i == 1 else ' ' + str(i)} {_chips(p, layout, view.big_blind)}"
                  for i, p in enumerate(view.pots[1:], start=1)]
        draw.text(image, (w - pad, foot_y), "  ·  ".join(parts), face, rgba(skin.color("accent")), anchor="rm",
                  max_width=w // 2 - pad, role="pots")
    return image


@dataclass(frozen=True)
class OutsView:
    """The outs panel of a heads-up all-in: who is behind, and the cards that save them."""

    name: str
    outs: tuple[str, ...]
    equity: float | None


def render_outs(view: OutsView, layout: Layout) -> Image.Image:
    """A panel listing the trailing player's outs as small cards (two rows at most)."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("outs")
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw.panel(image, (0, 0, w, h), rgba(skin.color("panel")), px(skin.radius), rgba(skin.color("border")),
               max(1, px(skin.border)))
    pad = px(12)
    count = len(view.outs)
    title = f"{layout.name(view.name)} · {count} {layout.word('OUTS' if count != 1 else 'OUT')}"
    draw.text(image, (pad, px(22)), title, layout.font("bold", 21), rgba(skin.color("accent")), max_width=w - 2 * pad,
              role="outs_title")
    rows = 1 if count <= 11 else 2
    per_row = max(1, -(-min(count, 22) // rows))
    area_h = h - px(44) - pad
    card_h = min(int((area_h - px(6) * (rows - 1)) / rows), px(62))
    card_w = int(card_h * 0.7)
    step = min(card_w + px(4), (w - 2 * pad - card_w) / max(1, min(count, per_row) - 1)) if count > 1 else 0
    for index, code in enumerate(view.outs[: per_row * 2]):
        row, col = divmod(index, per_row)
        draw.card(image, (int(pad + col * step), px(42) + row * (card_h + px(6)), card_w, card_h), code, skin)
    return image


def render_action_clock(remaining_s: int, total_s: int, layout: Layout) -> Image.Image:
    """A round shot clock: remaining seconds in the middle, a ring that empties, red for the last 5 s."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("action_clock")
    size = min(w, h)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw.fill_mask(image, draw.ellipse_mask(size, size), rgba(skin.color("panel")), (0, 0))
    urgent = remaining_s <= 5
    ring_color = rgba(skin.color("all_in" if urgent else "accent"))
    fraction = max(0.0, min(1.0, remaining_s / max(1, total_s)))
    big = Image.new("L", (size * draw.SUPERSAMPLE, size * draw.SUPERSAMPLE), 0)
    thick = px(7) * draw.SUPERSAMPLE
    inset = px(4) * draw.SUPERSAMPLE
    if fraction > 0:
        ImageDraw.Draw(big).arc((inset, inset, big.width - inset, big.height - inset), -90,
                                -90 + 360 * fraction, fill=255, width=thick)
    draw.fill_mask(image, big.reduce(draw.SUPERSAMPLE), ring_color, (0, 0))
    ink = rgba(skin.color("all_in" if urgent else "text"))
    draw.text(image, (size / 2, size / 2), str(max(0, remaining_s)), layout.font("bold", 34 * size / max(1, px(88))),
              ink, anchor="mm", role="clock")
    return image


@register_element("board", order=20)
def want_board(frame: ElementFrame) -> dict[str, Wanted]:
    """Board cards, pot and blinds: during a hand."""
    from ggpgfx.render.views import IN_HAND_STREETS, board_view

    state = frame.state
    assert state is not None
    shown = frame.visibility("board")
    if shown == "off" or (shown == "auto" and state.street not in IN_HAND_STREETS):
        return {}
    view = board_view(state)
    return {"board": Wanted(view, bind(render_board, view, frame.layout), frame.layout.origin("board"))}


@register_element("outs", order=30)
def want_outs(frame: ElementFrame) -> dict[str, Wanted]:
    """The trailing player's outs in a heads-up all-in on the flop or turn (when this output may see them)."""
    from ggpgfx.render.views import outs_view

    assert frame.state is not None
    view = outs_view(frame.state, frame.options.reveal) if frame.visibility("outs") != "off" else None
    if view is None:
        return {}
    return {"outs": Wanted(view, bind(render_outs, view, frame.layout), frame.layout.origin("outs"))}


@register_element("action_clock", order=60)
def want_action_clock(frame: ElementFrame) -> dict[str, Wanted]:
    """A shot clock for the player to act, restarted for each new player or hand (`action_clock_s`)."""
    from ggpgfx.render.views import BETTING_STREETS

    state, total = frame.state, frame.options.action_clock_s
    assert state is not None
    if not total or state.to_act is None or state.street not in BETTING_STREETS:
        frame.memory.pop("clock", None)
        return {}
    seat, hand, since = frame.memory.get("clock", (None, 0, 0))
    if (seat, hand) != (state.to_act, state.hand_number):
        since = frame.pts
        frame.memory["clock"] = (state.to_act, state.hand_number, since)
    remaining = max(0, math.ceil(total - (frame.pts - since) / 1e6))
    return {"action_clock": Wanted(("clock", remaining, total), bind(render_action_clock, remaining, total,
                                                                      frame.layout),
                                   frame.layout.origin("action_clock"))}
