"""`ggp equity` and `ggp hands replay|stats` (imports of the poker core happen inside the commands)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ggpgfx.errors import ConfigError

hands_app = typer.Typer(help="Hand histories (PHH): replay them, compute player statistics.", no_args_is_help=True)
GAME_HELP = "game code (see `ggp games`), e.g. nlhe, plo, plo8, shortdeck"


def equity_command(
        hands: Annotated[list[str], typer.Argument(help="two to ten hands, e.g. AhKh QsQd")],
        board: Annotated[str, typer.Option(help="board cards, e.g. 2h7hQc")] = "",
        dead: Annotated[str, typer.Option(help="dead or mucked cards")] = "",
        game: Annotated[str, typer.Option(help=GAME_HELP)] = "nlhe",
        exact: Annotated[bool, typer.Option("--exact", help="enumerate every runout")] = False,
        trials: Annotated[int | None, typer.Option(help="Monte Carlo with this many trials")] = None,
        seed: Annotated[int, typer.Option(help="Monte Carlo seed")] = 1,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Win/tie share of each hand: exact when runouts are few (or --exact), else Monte Carlo."""
    from ggpgfx.poker.equity import equity, exact_equity, monte_carlo_equity, prepare, warm_up
    from ggpgfx.poker.variants import variant

    if exact and trials is not None:
        raise ConfigError("choose --exact or --trials, not both")
    chosen = variant(game)
    prepare(hands, board, dead, chosen)  # bad input fails before any warm-up
    startup = warm_up(game)
    if exact:
        result = exact_equity(hands, board, dead, game)
    elif trials is not None:
        result = monte_carlo_equity(hands, board, dead, game, trials, seed)
    else:
        result = equity(hands, board, dead, game, seed=seed)
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), "startup_seconds": startup}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{chosen.name} equity" + (f" on {result.board}" if result.board else " preflop"))
    for column in ("hand", "equity", "win", "tie"):
        table.add_column(column, justify="right" if column != "hand" else "left")
    for hand, share, win, tie in zip(result.hands, result.equity, result.win, result.tie, strict=True):
        table.add_row(hand, f"{100 * share:.2f}%", f"{100 * win:.2f}%", f"{100 * tie:.2f}%")
    console = Console()
    console.print(table)
    console.print(f"method: {result.method_text()} over {result.total:,} "
                  f"{'runouts' if result.method == 'exact' else 'trials'}; time {1000 * result.seconds:.1f} ms "
                  f"(+{1000 * startup:.0f} ms loading tables and compiled kernels)")


@hands_app.command("replay")
def replay_command(
        file: Annotated[Path, typer.Argument(help="a .phh or .phhs file")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Replay every hand: final stacks and the winners of each pot (mismatches with the file flagged)."""
    from ggpgfx.poker.phh import PhhError, load_hands, replay

    try:
        results = [replay(history, index) for index, history in enumerate(load_hands(file))]
    except PhhError as error:
        raise PhhError(f"{file}: {error}") from None
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2, default=str))
    else:
        for r in results:
            pots = "; ".join(", ".join(f"{name} {amount}" for name, amount in pot.items()) for pot in r.pot_winners)
            stacks = ", ".join(f"{n} {s}" for n, s in zip(r.players, r.final_stacks, strict=True))
            typer.echo(f"hand {r.index + 1}: pots won by {pots or 'nobody'} | final stacks: {stacks}")
            for problem in r.mismatches:
                typer.echo(f"  mismatch: {problem}")
    mismatched = sum(1 for r in results if r.mismatches)
    typer.echo(f"{len(results)} hands replayed, {mismatched} disagree with the file", err=True)
    if mismatched:
        raise typer.Exit(1)


@hands_app.command("stats")
def stats_command(
        files: Annotated[list[Path], typer.Argument(help="PHH/PHHS files")],
        ray: Annotated[bool | None, typer.Option("--ray/--local", help="Ray Data (default: when over 8 files)")] = None,
        address: Annotated[str | None, typer.Option(help="Ray cluster address (default: a local one)")] = None,
        top: Annotated[int, typer.Option(help="show the players with the most hands")] = 20,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON of every player")] = False) -> None:
    """VPIP, PFR, 3-bet, AF, WTSD and W$SD per player over all hands of the files."""
    from rich.progress import Progress

    from ggpgfx.poker.stats import PlayerStats, file_stats, from_dicts, merge

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ConfigError(f"no such file: {', '.join(missing)}")
    use_ray = ray if ray is not None else len(files) > 8
    total: dict[str, PlayerStats] = {}
    errors: list[str] = []
    with Progress(transient=True) as progress:
        task = progress.add_task("hand histories", total=len(files))
        if use_ray:
            from ggpgfx.runtime.ray_stats import stats_on_ray

            def advance(done: int, count: int) -> None:
                progress.update(task, total=count, completed=done, description="file segments")

            total, errors = stats_on_ray(files, address, progress=advance)
        else:
            for f in files:
                merge(total, from_dicts(file_stats(f)))
                progress.advance(task)
    for error in errors:
        typer.echo(f"skipped {error}", err=True)
    ranked = sorted(total.items(), key=lambda item: (-item[1].hands, item[0]))
    if as_json:
        typer.echo(json.dumps({name: {"hands": s.hands, **s.ratios()} for name, s in ranked}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{sum(s.hands for s in total.values()):,} player-hands, {len(total)} players")
    for column in ("player", "hands", "VPIP", "PFR", "3-bet", "AF", "WTSD", "W$SD"):
        table.add_column(column, justify="left" if column == "player" else "right")
    for name, s in ranked[:top]:
        r = s.ratios()
        cells = [_percent(r["vpip"]), _percent(r["pfr"]), _percent(r["three_bet"]),
                 "-" if r["af"] is None else f"{r['af']:.2f}", _percent(r["wtsd"]), _percent(r["wsd"])]
        table.add_row(name, str(s.hands), *cells)
    Console().print(table)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def games_command(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Every game the platform plays: code, name, hole cards, deck, evaluator, hi/lo, PHH code."""
    from ggpgfx.poker.variants import VARIANTS

    rows = [{"code": v.code, "name": v.name, "hole_cards": v.hole_cards, "deck": len(v.deck), "evaluator": v.evaluator,
             "hi_lo": v.hi_lo, "phh": v.phh_code, "aliases": list(v.aliases)} for v in VARIANTS.values()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="games")
    for column in ("code", "name", "hole cards", "deck", "evaluator", "hi/lo", "PHH", "also"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["code"]), str(r["name"]), str(r["hole_cards"]), str(r["deck"]), str(r["evaluator"]),
                      "yes" if r["hi_lo"] else "", str(r["phh"] or ""), ", ".join(r["aliases"]))  # type: ignore[arg-type]
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `equity`, `games` and `hands` to the ggp command."""
    app.command("equity")(equity_command)
    app.command("games")(games_command)
    app.add_typer(hands_app, name="hands")
