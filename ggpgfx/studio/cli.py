"""`ggp studio ...`: list a session's hands, correct them, show the corrections, re-render clips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ggpgfx.errors import ConfigError

studio_app = typer.Typer(help="Post-production from a recorded session (publish.studio): hands, fixes, re-renders.",
                         no_args_is_help=True)

SessionArg = Annotated[Path, typer.Argument(help="session folder written by publish.studio")]


@studio_app.command("list")
def list_hands(session: SessionArg,
               as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False) -> None:
    """Hands with start/end (time and pts), players, pot, cards, showdown, all-ins, tags and corrections."""
    from ggpgfx.studio.jobs import hand_line
    from ggpgfx.studio.session import Session

    opened = Session(session)
    hands = opened.hands()
    if as_json:
        typer.echo(json.dumps([h.as_dict() for h in hands], indent=2))
        return
    typer.echo(f"{session}: {len(hands)} hands, {len(opened.frame_pts)} frames at {opened.fps:g} fps, "
               f"{len(opened.corrections)} corrections")
    for hand in hands:
        typer.echo(hand_line(hand, opened.fps))


def _pair(value: str, what: str) -> tuple[int, str]:
    seat, sep, rest = value.partition("=")
    if not sep or not seat.strip().isdigit() or not rest.strip():
        raise ConfigError(f"--{what} {value!r}: use SEAT={what.upper()}, e.g. --{what} 3=" +
                          {"card": "AhKd", "stack": "125000", "name": "'Jane Doe'", "action": "'RAISE 4,000'",
                           "bet": "40000", "play": "fold or 3=raise:40000"}[what])
    return int(seat), rest.strip()


def _cards(text: str) -> list[str]:
    text = text.replace(" ", "").replace(",", "")
    if len(text) % 2:
        raise ConfigError(f"{text!r}: cards are two characters each, e.g. AhKd")
    return [text[i:i + 2] for i in range(0, len(text), 2)]


@studio_app.command()
def fix(session: SessionArg,
        hand: Annotated[int, typer.Option("--hand", help="hand number (see ggp studio list)")],
        card: Annotated[list[str] | None, typer.Option(help="SEAT=CARDS: a seat's hole cards, e.g. 3=AhKd")] = None,
        board: Annotated[list[str] | None, typer.Option(help="N=CARD: board card N (1-5), e.g. 4=Qs")] = None,
        stack: Annotated[list[str] | None, typer.Option(help="SEAT=AMOUNT: the seat's stack at hand start")] = None,
        name: Annotated[list[str] | None, typer.Option(help="SEAT=NAME: the player's name in this hand")] = None,
        action: Annotated[list[str] | None, typer.Option(help="SEAT=LABEL: the action label shown (with --at)")] = None,
        bet: Annotated[list[str] | None, typer.Option(
            help="SEAT=AMOUNT: what the seat's bet or raise went to (the one nearest --at; default its first): "
                 "the hand is replayed, stacks and pots follow")] = None,
        play: Annotated[list[str] | None, typer.Option(
            help="SEAT=ACTION[:AMOUNT]: the betting action the seat really made (fold, check, call, bet, raise, "
                 "all_in), in place of its action nearest --at; the hand is replayed")] = None,
        at: Annotated[float | None, typer.Option(min=0, help="seconds into the hand: from which --action shows, "
                                                            "or which --bet (see ggp studio actions)")] = None,
        tag: Annotated[list[str] | None, typer.Option(help="a tag for the highlight reel")] = None,
        note: Annotated[str, typer.Option(help="why (kept with the correction)")] = "") -> None:
    """Append corrections to the session's log as new events; the recorded events are never edited."""
    from pydantic import ValidationError

    from ggpgfx.studio.session import Correction, Session

    opened = Session(session)
    wanted: list[Correction] = []
    try:
        for value in card or []:
            seat, text = _pair(value, "card")
            wanted.append(Correction(hand=hand, kind="card", seat=seat, cards=_cards(text), note=note))
        for value in board or []:
            index, text = _pair(value, "card")
            if not 1 <= index <= 5:
                raise ConfigError(f"--board {value!r}: board cards are numbered 1 to 5")
            wanted.append(Correction(hand=hand, kind="card", board_index=index - 1, cards=_cards(text)[:1], note=note))
        for value in stack or []:
            seat, text = _pair(value, "stack")
            if not text.replace(",", "").isdigit():
                raise ConfigError(f"--stack {value!r}: the amount is a whole number of chips")
            wanted.append(Correction(hand=hand, kind="stack", seat=seat, amount=int(text.replace(",", "")), note=note))
        for value in name or []:
            seat, text = _pair(value, "name")
            wanted.append(Correction(hand=hand, kind="name", seat=seat, text=text, note=note))
        for value in action or []:
            seat, text = _pair(value, "action")
            wanted.append(Correction(hand=hand, kind="action", seat=seat, text=text, at_s=at or 0.0, note=note))
        for value in bet or []:
            seat, text = _pair(value, "bet")
            if not text.replace(",", "").isdigit() or not int(text.replace(",", "")):
                raise ConfigError(f"--bet {value!r}: the amount is a whole number of chips above 0")
            wanted.append(Correction(hand=hand, kind="bet", seat=seat, amount=int(text.replace(",", "")), at_s=at,
                                     note=note))
        for value in play or []:
            seat, text = _pair(value, "play")
            verb, _, amount_text = text.partition(":")
            verbs = ("fold", "check", "call", "bet", "raise", "all_in")
            if verb not in verbs:
                raise ConfigError(f"--play {value!r}: the action is one of {', '.join(verbs)}")
            if amount_text and not amount_text.replace(",", "").isdigit():
                raise ConfigError(f"--play {value!r}: the amount is a whole number of chips")
            wanted.append(Correction(hand=hand, kind="play", seat=seat, play=verb,  # type: ignore[arg-type]
                                     amount=int(amount_text.replace(",", "")) if amount_text else None, at_s=at,
                                     note=note))
        wanted += [Correction(hand=hand, kind="tag", text=text, note=note) for text in tag or []]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if not wanted:
        raise ConfigError("nothing to fix: give --card, --board, --stack, --bet, --play, --name, --action or --tag")
    for correction in wanted:
        typer.echo(opened.add_correction(correction).describe())
    from ggpgfx.studio.chips import CHIP_KINDS, replay_corrected, replay_notes

    if any(c.kind in CHIP_KINDS for c in wanted) and any(e.kind == "hand_started" for e in opened.events):
        for line in replay_notes(replay_corrected(opened.events, opened.corrections)):
            typer.echo(f"    {line}")


@studio_app.command()
def actions(session: SessionArg,
            hand: Annotated[int, typer.Option("--hand", help="hand number (see ggp studio list)")]) -> None:
    """The hand's betting actions as recorded (seconds into the hand, seat, player, amount): what --bet names."""
    from ggpgfx.studio.session import Session

    opened = Session(session)
    rows = opened.actions(hand)
    if not rows:
        typer.echo(f"hand {hand}: no betting actions recorded (record rules.events into publish.studio)")
    for row in rows:
        amount = f" to {row['amount']:,}" if row["amount"] is not None else ""
        typer.echo(f"{row['at_s']:7.2f} s  seat {row['seat']}  {row['player']}: {row['action']}{amount}")


@studio_app.command()
def diff(session: SessionArg) -> None:
    """The corrections in the order made, and what each changes on air."""
    from ggpgfx.studio.chips import CHIP_KINDS, ChipRebuild, replay_corrected, replay_notes
    from ggpgfx.studio.corrections import apply_corrections
    from ggpgfx.studio.session import Session

    opened = Session(session)
    if not opened.corrections:
        typer.echo("no corrections")
        return
    for correction in opened.corrections:
        typer.echo(correction.describe())
        # a chip correction is shown with the chip corrections made before it (it replays on top of them)
        earlier = [c for c in opened.corrections if c.number < correction.number and c.kind in CHIP_KINDS
                   and correction.kind in CHIP_KINDS]
        report = ChipRebuild()
        before = apply_corrections(opened.calls, earlier, opened.events) if earlier else opened.calls
        after = apply_corrections(opened.calls, [*earlier, correction], opened.events, report)
        changed = [(a, b) for a, b in zip(before, after, strict=True) if a.state != b.state]
        for before_call, after_call in changed[:1]:
            for line in _state_diff(before_call.state, after_call.state):
                typer.echo(f"    {line}")
        last = [(a, b) for a, b in changed if a.state is not None and b.state is not None
                and a.state.total_pot != b.state.total_pot]
        if last:
            old, new = last[-1][0].state, last[-1][1].state
            assert old is not None and new is not None
            typer.echo(f"    pot as the hand went on: {old.total_pot:,} -> {new.total_pot:,}")
        if correction.kind in CHIP_KINDS and any(e.kind == "hand_started" for e in opened.events):
            before_notes = set(replay_notes(replay_corrected(opened.events, earlier))) if earlier else set()
            for line in replay_notes(replay_corrected(opened.events, [*earlier, correction])):
                if line not in before_notes:
                    typer.echo(f"    {line}")
        typer.echo(f"    {len(changed)} recorded states changed")
        if report.unmatched:
            typer.echo(f"    {report.unmatched} recorded states of the hand kept their chips (no replay step matched)")


def _state_diff(before: object, after: object) -> list[str]:
    from ggpgfx.poker.messages import TableState

    assert isinstance(before, TableState) and isinstance(after, TableState)
    lines = []
    if before.total_pot != after.total_pot:
        lines.append(f"pot: {before.total_pot:,} -> {after.total_pot:,}")
    if before.board != after.board:
        lines.append(f"board: {''.join(before.board)} -> {''.join(after.board)}")
    for old, new in zip(before.seats, after.seats, strict=False):
        for key in ("name", "stack", "bet", "status", "hole_cards", "last_action", "hand_label", "equity_win",
                    "equity_share"):
            if getattr(old, key) != getattr(new, key):
                lines.append(f"seat {old.seat} {key}: {getattr(old, key)!r} -> {getattr(new, key)!r}")
    return lines


@studio_app.command()
def render(session: SessionArg,
           hands: Annotated[str | None, typer.Option(help="hands to render: 3,5-7 (default: all)")] = None,
           skin: Annotated[str | None, typer.Option(help="another skin (default: the one used live)")] = None,
           aspect: Annotated[str | None, typer.Option(help="16:9, 9:16 or 1:1 (a centred crop of the ISO)")] = None,
           lang: Annotated[str, typer.Option(help="language of the graphics' fixed words: en or es")] = "en",
           graphics_only: Annotated[bool, typer.Option("--graphics-only", help="the graphics alone with alpha")] = False,
           alpha_format: Annotated[str, typer.Option(help="--graphics-only: mov (QuickTime Animation) or png")] = "mov",
           size: Annotated[str | None, typer.Option(help="--graphics-only: WIDTHxHEIGHT (default: as recorded)")] = None,
           out: Annotated[Path, typer.Option(help="output folder")] = Path("out/studio-render"),
           workers: Annotated[int, typer.Option(min=1, max=64, help="hands rendered at once (Ray Data when > 1)")] = 1,
           ray_address: Annotated[str | None, typer.Option(help="Ray cluster address (default: embedded)")] = None,
           crf: Annotated[float, typer.Option(min=0, max=51)] = 18.0,
           preset: Annotated[str, typer.Option()] = "veryfast",
           timeline: Annotated[str, typer.Option(help="otio, edl, both or none")] = "both",
           reel: Annotated[int, typer.Option(min=0, help="hands in the highlight reel (0: none)")] = 5) -> None:
    """Re-render hands from the corrected log over the ISO (or alone with alpha): clips, reel, timeline."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ggpgfx.studio.jobs import parse_hands, render_session
    from ggpgfx.studio.render import RenderSettings
    from ggpgfx.studio.session import Session

    if timeline not in ("otio", "edl", "both", "none"):
        raise ConfigError(f"--timeline {timeline!r}: use otio, edl, both or none")
    from ggpgfx.render.cli import parse_size

    settings = RenderSettings(skin=skin, aspect=aspect, lang=lang, graphics_only=graphics_only,  # type: ignore[arg-type]
                              crf=crf, preset=preset, alpha_format=alpha_format,  # type: ignore[arg-type]
                              size=parse_size(size) if size else None)
    settings.check()
    if skin:
        from ggpgfx.render.skins import load_skin

        load_skin(skin)
    chosen = parse_hands(hands, Session(session))
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task(f"rendering {len(chosen)} hands", total=len(chosen))

        def on_hand(result: object, done: int, total: int) -> None:
            from ggpgfx.studio.render import ClipResult

            assert isinstance(result, ClipResult)
            status = f"[green]done[/] {result.frames} frames in {result.seconds:.1f} s -> {Path(result.path).name}" \
                if result.ok else f"[red]FAILED[/] {result.error}"
            progress.console.print(f"hand {result.hand}: {status}")
            progress.update(task, completed=done)

        job = render_session(session, chosen, out, settings, workers=workers,
                             executor="ray" if workers > 1 or ray_address else "local", address=ray_address,
                             on_hand=on_hand, reel=reel > 0, reel_size=reel,
                             timeline=None if timeline == "none" else timeline)
    typer.echo(f"{len(job.clips) - len(job.failed)} of {len(job.clips)} hands rendered in {job.seconds:.1f} s "
               f"into {out}" + (f"; reel {job.reel}" if job.reel else "") +
               (f"; timeline {job.timeline}" if job.timeline else ""))
    if job.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `ggp studio` to the main CLI."""
    app.add_typer(studio_app, name="studio")
