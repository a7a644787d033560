"""`ggp serve` (the platform API on Ray Serve) and `ggp db upgrade` (apply migrations)."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Platform database.", no_args_is_help=True)
staff_app = typer.Typer(help="Platform operators (staff who record out-of-band payments).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `serve` and `db` to the main `ggp` app."""
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(staff_app, name="staff")


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface the HTTP API listens on."),
    port: int = typer.Option(8000, help="HTTP port."),
    plain: bool = typer.Option(False, "--plain", help="Run under plain uvicorn (one process) instead of Ray Serve."),
    config: str | None = typer.Option(None, help="Serve deployment options (JSON/YAML), or GGP_SERVE_CONFIG."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request (costs CPU per request)."),
    direct_ingress_port: int | None = typer.Option(
        None, "--direct-ingress-port",
        help="Serve's proxy on --port and, on this port, the API straight from the gateway replica."),
    proxy: bool = typer.Option(
        False, "--proxy", help="Serve --port through Serve's HTTP proxy instead of direct ingress (3x the CPU "
                               "per request; needed for several gateway replicas behind one port)."),
    proxy_port: int | None = typer.Option(
        None, "--proxy-port", help="With direct ingress on --port: where Serve's own HTTP proxy listens "
                                   "(default: a free port)."),
) -> None:
    """Run the platform API (accounts, projects, streams, billing, graphics, GraphQL) on Ray Serve.

    By default the gateway replica answers --port itself (Serve's direct ingress): a request skips
    Serve's HTTP proxy. Where that cannot work (an autoscaled or multi-replica gateway, an existing
    cluster in RAY_ADDRESS) or with --proxy, Serve's proxy serves --port.
    """
    from ggpgfx.services.config import load_settings

    settings = load_settings()
    if plain:
        import uvicorn

        from ggpgfx.services.app import create_local_app
        from ggpgfx.services.serve_app import PortHold

        PortHold(host, {"http": (port, "--port")}).close()  # a busy port is a one-line error, not a log
        uvicorn.run(create_local_app(settings), host=host, port=port, log_level="info", access_log=access_log)
        return
    from ggpgfx.services.serve_app import PortHold, ServeConfig, deploy, direct_ingress_blocker

    serve_config = ServeConfig.load(config)
    wanted = {"proxy": (port, "--port")}
    if direct_ingress_port is not None:
        wanted["direct"] = (direct_ingress_port, "--direct-ingress-port")
    elif not proxy:
        blocker = direct_ingress_blocker(serve_config)
        if blocker is None:
            direct_ingress_port = port
            wanted = {"proxy": (proxy_port or 0, "--proxy-port"), "direct": (port, "--port")}
        else:
            typer.echo(f"ggp serve: {blocker}: serving through Serve's HTTP proxy")
    # hold the ports now (a free proxy port is picked and held in one step) so that nothing Ray starts,
    # nor any other process, takes them before Serve binds them; a busy port is a one-line error here
    hold = PortHold(host, wanted)
    port = hold.ports["proxy"]
    api_port = direct_ingress_port if direct_ingress_port is not None and not proxy else port
    typer.echo(f"ggp serve: API on http://{host}:{api_port}/api/v1 (docs at /docs), "
               f"database {_safe_url(settings.database_url)}")
    if direct_ingress_port is not None:
        typer.echo(f"ggp serve: served by the gateway replica on {direct_ingress_port} (Serve's direct ingress); "
                   f"Serve's HTTP proxy on {port}")
    try:
        deploy(settings, host=host, port=port, config=serve_config, blocking=True, access_log=access_log,
               direct_ingress_port=direct_ingress_port, hold=hold)
    finally:
        hold.close()


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply database migrations (SQLite under GGP_HOME, or GGP_DATABASE_URL)."""
    from ggpgfx.services import db
    from ggpgfx.services.config import load_settings

    settings = load_settings()
    db.upgrade(settings.database_url, revision)
    typer.echo(f"database {_safe_url(settings.database_url)} at revision {db.current_revision(settings.database_url)}")


@db_app.command("current")
def current() -> None:
    """Print the database's migration revision."""
    from ggpgfx.services import db
    from ggpgfx.services.config import load_settings

    url = load_settings().database_url
    typer.echo(db.current_revision(url) or "empty (run `ggp db upgrade`)")


def _staff_context() -> object:
    from ggpgfx.services.base import ServiceContext
    from ggpgfx.services.config import load_settings

    return ServiceContext(load_settings())


@staff_app.command("add")
def staff_add(email: str = typer.Argument(..., help="Email of an existing user.")) -> None:
    """Make a user a platform operator (audited in the operators' own trail)."""
    from ggpgfx.services import staff

    user_id = staff.grant(_staff_context(), email)  # type: ignore[arg-type]
    typer.echo(f"{email} (user {user_id}) is a platform operator")


@staff_app.command("remove")
def staff_remove(email: str = typer.Argument(..., help="Email of an operator.")) -> None:
    """Remove a platform operator."""
    from ggpgfx.services import staff

    removed = staff.revoke(_staff_context(), email)  # type: ignore[arg-type]
    typer.echo(f"{email} is no longer a platform operator" if removed else f"{email} was not a platform operator")


@staff_app.command("list")
def staff_list() -> None:
    """Print the platform operators."""
    from ggpgfx.services import staff

    for email, since in staff.list_staff(_staff_context()):  # type: ignore[arg-type]
        typer.echo(f"{email}\tsince {since}")


def _safe_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
