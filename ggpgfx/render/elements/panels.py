"""Show panels: leaderboard, chip-count strip, ticker, lower third, sponsor slots, secure-delay badge."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from ggpgfx.render import draw
from ggpgfx.render.draw import rgba
from ggpgfx.render.elements import ElementFrame, Wanted, bind, register_element
from ggpgfx.render.formats import format_chips
from ggpgfx.render.layout import Layout

if TYPE_CHECKING:
    from ggpgfx.poker.messages import TableState
    from ggpgfx.render.options import OverlayOptions

Standing = tuple[str, float]  # (name, stack)


def render_leaderboard(standings: tuple[Standing, ...], big_blind: int, layout: Layout,
                       title: str = "CHIP COUNTS") -> Image.Image:
    """Chip counts sorted high to low under a header row; one row per player, at most `rows`."""
    skin, px = layout.skin, layout.px
    w, row_h = layout.size("leaderboard")
    rows = standings[: int(layout.extra("leaderboard", "rows", 10))]
    h = row_h * (len(rows) + 1) + px(6)
    image = draw.canvas(w, h)
    radius = px(skin.radius)
    draw.panel(image, (0, 0, w, h), rgba(skin.color("panel")), radius, rgba(skin.color("border")),
               max(1, px(skin.border)))
    draw.panel(image, (0, 0, w, row_h), rgba(skin.color("header")), radius)
    draw.fill_mask(image, draw.rounded_mask(w, row_h // 2, 0), rgba(skin.color("header")), (0, row_h // 2))
    pad = px(12)
    draw.text(image, (pad, row_h / 2), layout.word(title), layout.font("bold", 19), rgba(skin.color("header_text")),
              role="title")
    ink, dim, stack_ink = rgba(skin.color("text")), rgba(skin.color("text_dim")), rgba(skin.color("stack"))
    face, bold = layout.font("regular", 18), layout.font("bold", 19)
    for index, (name, stack) in enumerate(rows):
        cy = row_h * (index + 1.5)
        if index % 2:
            draw.fill_mask(image, draw.rounded_mask(w - 2 * px(4), row_h, 0), rgba(skin.color("panel_alt"), 0.6),
                           (px(4), int(row_h * (index + 1))))
        draw.text(image, (pad, cy), str(index + 1), bold, dim, role="rank")
        amount = format_chips(stack, layout.chip_format, big_blind)  # type: ignore[arg-type]
        amount_w = int(draw.text_length(bold, amount))
        draw.text(image, (w - pad, cy), amount, bold, stack_ink, anchor="rm", role="amount")
        room = w - 2 * pad - px(44) - amount_w
        draw.text(image, (pad + px(34), cy), draw.caption(face, layout.name(name), room), face, ink, max_width=room,
                  role="name")
    return image


def render_chip_strip(standings: tuple[Standing, ...], big_blind: int, layout: Layout) -> Image.Image:
    """A full-width strip of names and stacks; entries shrink to fit, never overlap."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("chip_strip")
    image = draw.canvas(w, h)
    draw.fill_mask(image, draw.rounded_mask(w, h, 0), rgba(skin.color("ticker")), (0, 0))
    draw.fill_mask(image, draw.rounded_mask(w, max(1, px(2)), 0), rgba(skin.color("header")), (0, h - max(1, px(2))))
    if not standings:
        return image
    slot = w / len(standings)
    name_face, amount_face = layout.font("regular", 17), layout.font("bold", 18)
    for index, (name, stack) in enumerate(standings):
        x0 = int(index * slot) + px(10)
        amount = format_chips(stack, layout.chip_format, big_blind)  # type: ignore[arg-type]
        amount_w = int(draw.text_length(amount_face, amount))
        draw.text(image, (x0 + slot - px(20), h / 2), amount, amount_face, rgba(skin.color("stack")), anchor="rm",
                  role="amount")
        room = int(slot - px(28) - amount_w)
        label = layout.name(name)
        if draw.text_length(name_face, label) > room:  # narrow strips (9:16) fall back to the family name
            label = layout.name(name.split()[-1]) if name.split() else label
        draw.text(image, (x0, h / 2), label, name_face, rgba(skin.color("text")), max_width=room, role="name")
    return image


def render_ticker_frame(label: str, layout: Layout) -> Image.Image:
    """The ticker's fixed part: the bar and its label box (the text scrolls in a separate layer)."""
    skin = layout.skin
    w, h = layout.size("ticker")
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw.fill_mask(image, draw.rounded_mask(w, h, 0), rgba(skin.color("ticker")), (0, 0))
    label_w = ticker_label_width(label, layout)
    if label_w:
        draw.fill_mask(image, draw.rounded_mask(label_w, h, 0), rgba(skin.color("ticker_label")), (0, 0))
        draw.text(image, (label_w / 2, h / 2), label.upper(), layout.font("bold", 20),
                  rgba(skin.color("header_text")), anchor="mm", role="label")
    return image


def ticker_label_width(label: str, layout: Layout) -> int:
    """Width of the ticker's label box in pixels (even); 0 without a label (no box)."""
    if not label.strip():
        return 0
    return (int(draw.text_length(layout.font("bold", 20), label.upper())) + layout.px(32)) & ~1


def render_ticker_text(message: str, layout: Layout, gap: int) -> Image.Image:
    """One loop of the scrolling text, followed by `gap` blank pixels, as tall as the ticker."""
    _, h = layout.size("ticker")
    face = layout.font("regular", 20)
    width = (int(draw.text_length(face, message)) + gap + 1) & ~1
    image = Image.new("RGBA", (width, h), (0, 0, 0, 0))
    draw.text(image, (0, h / 2), message, face, rgba(layout.skin.color("text")), role="ticker")
    return image


def render_lower_third(title: str, subtitle: str, layout: Layout) -> Image.Image:
    """A title bar over a subtitle panel (player introductions, interviews)."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("lower_third")
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    if not subtitle:
        h = int(h * 0.56)
        image = image.crop((0, 0, w, h))
    title_h = int(h * 0.56) if subtitle else h
    radius = px(skin.radius)
    draw.panel(image, (0, 0, w, h), rgba(skin.color("panel")), radius)
    draw.panel(image, (0, 0, w, title_h), rgba(skin.color("header")), radius)
    if subtitle:
        draw.fill_mask(image, draw.rounded_mask(w, title_h // 2, 0), rgba(skin.color("header")), (0, title_h // 2))
    pad = px(20)
    face = draw.fit_font(layout.font_path("bold"), title, px(40), w - 2 * pad, px(24))
    draw.text(image, (pad, title_h / 2), title, face, rgba(skin.color("header_text")), max_width=w - 2 * pad, role="title")
    if subtitle:
        draw.text(image, (pad, title_h + (h - title_h) / 2), subtitle, layout.font("regular", 25),
                  rgba(skin.color("text")), max_width=w - 2 * pad, role="subtitle")
    return image


def render_sponsors(paths: tuple[str, ...], layout: Layout) -> Image.Image:
    """Sponsor logo slots side by side, each logo fitted into a soft panel."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("sponsors")
    slots = max(1, min(len(paths), int(layout.extra("sponsors", "slots", 2))))
    gap = px(layout.extra("sponsors", "gap", 12))
    image = Image.new("RGBA", (w * slots + gap * (slots - 1), h), (0, 0, 0, 0))
    for index, path in enumerate(paths[:slots]):
        x = index * (w + gap)
        draw.panel(image, (x, 0, w, h), rgba(skin.color("panel")), px(skin.radius))
        logo = draw.load_image(Path(path), w - px(20), h - px(16))
        if logo is not None:
            image.alpha_composite(logo, (x + px(10), px(8)))
    return image


def render_delay(label: str, layout: Layout) -> Image.Image:
    """The secure-delay badge: a red dot and the countdown or delay length."""
    skin, px = layout.skin, layout.px
    w, h = layout.size("delay")
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw.panel(image, (0, 0, w, h), rgba(skin.color("panel")), h // 2, rgba(skin.color("border")),
               max(1, px(skin.border)))
    dot = int(h * 0.36)
    draw.fill_mask(image, draw.ellipse_mask(dot, dot), rgba(skin.color("all_in")), (h // 2 - dot // 2, (h - dot) // 2))
    face = draw.fit_font(layout.font_path("bold"), label, px(19), w - h - px(10))
    draw.text(image, (h // 2 + dot, h / 2), label, face, rgba(skin.color("text")), role="delay")
    return image


def ticker_text(state: TableState | None, options: OverlayOptions) -> str | None:
    """The ticker text now: the operator's last `ticker` cue when one was sent, else the `ticker` param."""
    return state.ticker if state is not None and state.ticker is not None else options.ticker


def lower_third_text(state: TableState | None, options: OverlayOptions) -> tuple[str | None, str]:
    """(title, subtitle) now: the operator's last `lower_third` cue (a newline starts the subtitle), else the params."""
    if state is not None and state.lower_third is not None:
        title, _, subtitle = state.lower_third.partition("\n")
        return title or None, subtitle
    return options.lower_third_title, options.lower_third_subtitle


def _standings_shown(frame: ElementFrame, name: str, during_hand: bool) -> tuple[Standing, ...]:
    """Standings when the element `name` shows now (auto: during a hand, or between hands), else ()."""
    from ggpgfx.render.views import IN_HAND_STREETS, standings

    state = frame.state
    assert state is not None
    shown = frame.visibility(name)
    if name == "leaderboard" and state.leaderboard_shown is not None:  # the operator's cue wins over the param
        shown = "on" if state.leaderboard_shown else "off"
    if shown == "off" or (shown == "auto" and (state.street in IN_HAND_STREETS) != during_hand):
        return ()
    if shown == "auto" and _field_board_on_air(frame, name):
        return ()
    return standings(state)


def _field_board_on_air(frame: ElementFrame, name: str) -> bool:
    """Whether the tournament's board of the whole field is on air in this table board's stead: two panels titled
    CHIP COUNTS with different players and numbers at once confused viewers."""
    tournament = frame.tournament
    if tournament is None:
        return False
    field, cue = (("tournament_leaderboard", tournament.graphics.leaderboard) if name == "leaderboard"
                  else ("tournament_strip", tournament.graphics.chip_strip))
    forced = frame.options.show.get(field, "auto")
    return forced == "on" or (forced == "auto" and cue)


@register_element("leaderboard", order=40)
def want_leaderboard(frame: ElementFrame) -> dict[str, Wanted]:
    """Chip counts, biggest stack first: between hands (the operator's `leaderboard` cue forces it on or off)."""
    ranks = _standings_shown(frame, "leaderboard", during_hand=False)
    if not ranks:
        return {}
    big_blind, lay = frame.state.big_blind if frame.state else 0, frame.layout
    return {"leaderboard": Wanted(("leaderboard", ranks, big_blind),
                                  bind(render_leaderboard, ranks, big_blind, lay), lay.origin("leaderboard"))}


@register_element("chip_strip", order=50)
def want_chip_strip(frame: ElementFrame) -> dict[str, Wanted]:
    """One line of chip counts along the top: during a hand."""
    ranks = _standings_shown(frame, "chip_strip", during_hand=True)
    if not ranks:
        return {}
    big_blind, lay = frame.state.big_blind if frame.state else 0, frame.layout
    return {"chip_strip": Wanted(("strip", ranks, big_blind), bind(render_chip_strip, ranks, big_blind, lay),
                                 lay.origin("chip_strip"), "top")}


@register_element("lower_third", order=70, table=False)
def want_lower_third(frame: ElementFrame) -> dict[str, Wanted]:
    """A title and subtitle (the operator's `lower_third` cue, else `lower_third_title`), whatever the table does."""
    lay = frame.layout
    title, subtitle = lower_third_text(frame.state, frame.options)
    if not title:
        return {}
    key = ("lower", title, subtitle)
    return {"lower_third": Wanted(key, bind(render_lower_third, title, subtitle, lay), lay.origin("lower_third"))}


@register_element("sponsors", order=80, table=False)
def want_sponsors(frame: ElementFrame) -> dict[str, Wanted]:
    """Sponsor logos (`sponsors`; by default the skin's logo)."""
    opts, lay = frame.options, frame.layout
    logos = opts.sponsors if opts.sponsors is not None else [str(p) for p in [lay.skin.image_path("logo")] if p]
    if not logos:
        return {}
    paths = tuple(str(Path(p)) for p in logos)
    return {"sponsors": Wanted(("sponsors", paths), bind(render_sponsors, paths, lay), lay.origin("sponsors"),
                               "bottom")}


@register_element("delay", order=90, table=False)
def want_delay(frame: ElementFrame) -> dict[str, Wanted]:
    """The secure-delay badge: a countdown to air, then the delay length (the delay node's clock when wired)."""
    opts, countdown = frame.options, frame.scene.countdown
    if opts.delay_s <= 0 and countdown is None:
        return {}
    if countdown is not None:  # the delay node's own clock wins over our estimate
        left, total = float(countdown[0]), float(countdown[1])
    else:
        left, total = opts.delay_s - (frame.pts - (frame.scene.first_pts or 0)) / 1e6, opts.delay_s
    seconds = math.ceil(left) if left > 0 else int(total)
    label = f"{frame.layout.word('ON AIR IN')} {seconds // 60}:{seconds % 60:02d}" if left > 0 else \
        f"{frame.layout.word(opts.delay_label)} {seconds // 60}:{seconds % 60:02d}"
    return {"delay": Wanted(("delay", label), bind(render_delay, label, frame.layout), frame.layout.origin("delay"),
                            "top")}


@register_element("ticker", order=100, table=False)
def want_ticker(frame: ElementFrame) -> dict[str, Wanted]:
    """The ticker's frame and label (the operator's `ticker` cue, else `ticker`); the scene scrolls the text."""
    opts, lay = frame.options, frame.layout
    if not ticker_text(frame.state, opts):
        return {}
    label = lay.word(opts.ticker_label)  # the stock LIVE is translated; any other label is drawn as given
    return {"ticker": Wanted(("ticker", label), bind(render_ticker_frame, label, lay),
                             lay.origin("ticker"), "bottom")}
