"""`ggp render ...`: overlay stills for previews and the list of skins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ggpgfx.errors import ConfigError

render_app = typer.Typer(help="Overlay previews (stills) and skins.", no_args_is_help=True)


def parse_size(value: str) -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); a ConfigError for anything else."""
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {value!r}: use WIDTHxHEIGHT, e.g. 1920x1080") from None
    return width, height


def load_state_file(path: Path) -> object:
    """A TableState from a JSON file, with a one-line error for a missing or invalid file."""
    from pydantic import ValidationError

    from ggpgfx.poker.messages import TableState

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"state file {path} not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"state file {path}: not JSON ({exc})") from None
    try:
        return TableState.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ConfigError(f"state file {path}: {where}: {first['msg']}") from None


def load_tournament_file(path: Path) -> object:
    """A TournamentState from a JSON or YAML file, with every problem named (ConfigError)."""
    import yaml

    from ggpgfx.tournament.state import parse_tournament_state

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"tournament file {path} not found") from None
    except OSError as exc:
        raise ConfigError(f"tournament file {path}: {exc.strerror}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"tournament file {path}: not YAML ({exc})") from None
        return parse_tournament_state(data if data is not None else {})
    return parse_tournament_state(text)


@render_app.command("still")
def still(
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    state: Annotated[Path | None, typer.Option(help="TableState as JSON.")] = None,
    sample: Annotated[str | None, typer.Option(help="A built-in sample state: preflop, allin, showdown, between, omaha.")] = None,
    skin: Annotated[str, typer.Option(help="Skin name or folder.")] = "broadcast",
    size: Annotated[str, typer.Option(help="Output size WIDTHxHEIGHT (1280x720, 3840x2160, 1080x1920...).")] = "1920x1080",
    reveal: Annotated[str, typer.Option(help="live or delayed: which hole cards this output may show.")] = "delayed",
    background: Annotated[str, typer.Option(help="felt, black or transparent.")] = "felt",
    ticker: Annotated[str | None, typer.Option(help="Ticker text.")] = None,
    title: Annotated[str | None, typer.Option(help="Lower-third title.")] = None,
    subtitle: Annotated[str, typer.Option(help="Lower-third subtitle.")] = "",
    tournament: Annotated[Path | None, typer.Option(help="TournamentState as JSON or YAML (its `graphics` cues "
                                                         "say which tournament elements show).")] = None,
) -> None:
    """Render the overlay for one TableState (and/or a tournament state) to a PNG."""
    from ggpgfx.render.samples import sample_state
    from ggpgfx.render.still import render_still

    if state is not None and sample is not None or state is None and sample is None and tournament is None:
        raise ConfigError("give exactly one of --state FILE or --sample NAME (or only --tournament FILE)")
    if reveal not in ("live", "delayed"):
        raise ConfigError(f"--reveal {reveal!r}: use live or delayed")
    table = load_state_file(state) if state is not None else sample_state(sample) if sample is not None else None
    events = load_tournament_file(tournament) if tournament is not None else None
    png = render_still(table, skin=skin, size=parse_size(size), reveal=reveal,  # type: ignore[arg-type]
                       background=background, ticker=ticker, lower_third_title=title, lower_third_subtitle=subtitle,
                       tournament=events)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(png)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"wrote {output} ({len(png):,} bytes)")


@render_app.command("skins")
def skins(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the bundled skins."""
    from ggpgfx.render.skins import list_skins

    found = list_skins()
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for entry in found:
        width, height = entry["reference_size"]
        typer.echo(f"{entry['name']:<12} {entry['title']:<22} {width}x{height}  {entry['description']}")


def audit(
    graphs: Annotated[list[Path], typer.Argument(help="Graph YAML files.")],
    skin: Annotated[list[str] | None, typer.Option(help="Skins to audit (repeatable; default broadcast and minimal).")] = None,
    aspect: Annotated[list[str] | None, typer.Option(help="16:9 (1280x720), 16:9@1080 (1920x1080), 9:16 (720x1280); repeatable, default all.")] = None,
    max_frames: Annotated[int, typer.Option(help="Frames per source run (bounds the audit).")] = 450,
    action_interval: Annotated[float, typer.Option(help="Seconds between actions of simulated tables, so a "
                                                   "short run reaches the showdown (0: the graph's own).")] = 0.25,
    out: Annotated[Path, typer.Option(help="Folder for the first failing frame of each output (PNG).")] = Path("out/audit"),
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a param: NODE.PARAM=VALUE (repeatable).")] = None,
) -> None:
    """Check every overlay output on air: drawn values equal the state, no overlaps, title-safe, venue-safe."""
    import yaml
    from rich.console import Console
    from rich.table import Table

    from ggpgfx.audit import CHECKS, DEFAULT_ASPECTS, audit_graph

    sets = []
    for item in set_ or []:
        key, sep, raw = item.partition("=")
        node, dot, param = key.partition(".")
        if not sep or not dot:
            raise ConfigError(f"--set {item!r}: use NODE.PARAM=VALUE")
        sets.append((node, param, yaml.safe_load(raw) if raw else ""))
    console, failed = Console(), False
    for graph in graphs:
        report = audit_graph(graph, skins=tuple(skin or ("broadcast", "minimal")),
                             aspects=tuple(aspect or DEFAULT_ASPECTS), max_frames=max_frames, out_dir=out, sets=sets,
                             action_interval_s=action_interval or None)
        table = Table(title=f"{report.graph}: {'PASS' if report.ok else 'FAIL'}")
        for column in ("output", "skin", "aspect", "size", "venue-safe", "frames", "states", *CHECKS, "result"):
            table.add_column(column)
        for row in report.rows:
            table.add_row(row.overlay, row.skin, row.aspect, row.size, "yes" if row.venue_safe else "", str(row.frames),
                          str(row.states), *(str(row.failures.get(check, 0)) for check in CHECKS),
                          "ok" if row.ok else "FAIL")
        if not report.rows:
            table.add_row("(no overlay outputs)", *[""] * (7 + len(CHECKS)), "ok")
        console.print(table)
        for row in report.rows:
            if row.first_failure:
                console.print(f"{row.overlay}/{row.skin}/{row.aspect}: {row.first_failure[0].message}"
                              f" (+{len(row.first_failure) - 1} more in that frame) -> {row.png}")
        failed |= not report.ok
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `ggp render` and `ggp audit` to the main command."""
    app.add_typer(render_app, name="render")
    app.command("audit")(audit)
