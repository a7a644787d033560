"""Storage from empty via `ggp db upgrade`, gateway guards (rate limit, CORS), Serve config, signatures."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest


def test_db_upgrade_from_empty(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ggp db upgrade` creates every table on an empty database of either backend."""
    import typer
    from sqlalchemy import create_engine, inspect
    from typer.testing import CliRunner

    from ggpgfx.services import db
    from ggpgfx.services.cli import register
    from ggpgfx.services.models import Base

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'empty.db'}"
        cleanup = None
    else:
        import psycopg

        schema = f"ggp_empty_{secrets.token_hex(4)}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = database_url.split("?")[0] + f"?options=-csearch_path%3D{schema}"
        cleanup = schema
    try:
        assert db.current_revision(url) is None
        monkeypatch.setenv("GGP_DATABASE_URL", url)
        monkeypatch.setenv("GGP_HOME", str(tmp_path / "home"))
        app = typer.Typer()
        register(app)
        result = CliRunner().invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"at revision {_head()}" in result.output
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        assert set(Base.metadata.tables) <= tables
        for name, table in Base.metadata.tables.items():
            if name not in ("organizations", "platform_staff"):  # staff: the platform's, no tenant's
                assert "organization_id" in table.c, f"{name} has no organization_id"
        assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0  # idempotent
    finally:
        if cleanup:
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{cleanup}" CASCADE')


def test_rate_limit_and_cors(tmp_path: Path) -> None:
    """Past the burst a client gets 429 with Retry-After; CORS answers allowed origins only."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import load_settings

    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'rl.db'}", rate_limit_per_s=1.0,
                             rate_limit_burst=5, cors_origins=["https://studio.example"])
    with TestClient(create_local_app(settings)) as client:
        codes = [client.get("/api/v1/health").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429
        limited = client.get("/api/v1/health")
        assert int(limited.headers["retry-after"]) >= 1
        # another credential has its own bucket
        assert client.get("/api/v1/projects", headers={"Authorization": "Bearer x"}).status_code == 401
        preflight = {"Origin": "https://studio.example", "Access-Control-Request-Method": "GET"}
        time.sleep(2.1)
        allowed = client.options("/api/v1/projects", headers=preflight)
        assert allowed.headers.get("access-control-allow-origin") == "https://studio.example"
        denied = client.options("/api/v1/projects", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in denied.headers


def test_serve_config_file(tmp_path: Path) -> None:
    """Replica and autoscaling options come from a file; a multi-replica streams deployment is refused."""
    from ggpgfx.errors import ConfigError
    from ggpgfx.services.serve_app import ServeConfig

    path = tmp_path / "serve.json"
    path.write_text(json.dumps({"gateway": {"autoscaling_config": {"min_replicas": 1, "max_replicas": 4}}}))
    config = ServeConfig.load(path)
    assert config.deployments["gateway"]["autoscaling_config"]["max_replicas"] == 4
    assert "num_replicas" not in config.deployments["gateway"]
    path.write_text(json.dumps({"streams": {"num_replicas": 3}}))
    with pytest.raises(ConfigError, match="exactly one replica"):
        ServeConfig.load(path)
    path.write_text(json.dumps({"nope": {}}))
    with pytest.raises(ConfigError, match="unknown deployment"):
        ServeConfig.load(path)


def test_direct_ingress_needs_one_gateway(tmp_path: Path) -> None:
    """Direct ingress gives the gateway one port: an autoscaled gateway is refused before anything starts."""
    from ggpgfx.errors import ConfigError
    from ggpgfx.services.config import load_settings
    from ggpgfx.services.serve_app import ServeConfig, deploy

    path = tmp_path / "serve.json"
    path.write_text(json.dumps({"gateway": {"autoscaling_config": {"min_replicas": 1, "max_replicas": 4}}}))
    with pytest.raises(ConfigError, match="exactly one gateway replica"):
        deploy(load_settings(home=tmp_path), config=ServeConfig.load(path), direct_ingress_port=1)


def test_webhook_signature_scheme() -> None:
    """Signatures verify, and fail for a changed body, a wrong secret or an old timestamp."""
    from ggpgfx.services.notifications import sign, verify_signature

    body = b'{"type":"stream.started"}'
    now = int(time.time())
    header = sign("s3cret", body, now)
    assert verify_signature("s3cret", body, header)
    assert not verify_signature("s3cret", body + b" ", header)
    assert not verify_signature("other", body, header)
    assert not verify_signature("s3cret", body, sign("s3cret", body, now - 3600))
    assert not verify_signature("s3cret", body, "garbage")


def test_render_progress_subscription(client: Any, org_a: Any) -> None:
    """renderProgress reports a finished render job of one's own organisation."""
    from ggpgfx.render.samples import sample_state

    body = {"table_state": sample_state("preflop").model_dump(mode="json"), "width": 320, "height": 180}
    response = client.post("/api/v1/graphics/render", json=body, headers=org_a.headers["producer"])
    assert response.status_code == 200, response.text
    job = response.headers["x-render-job"]
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": org_a.headers["viewer"]["Authorization"]}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "r", "type": "subscribe", "payload": {
            "query": "subscription($j: ID!) { renderProgress(jobId: $j) { status progress } }", "variables": {"j": job}}})
        assert ws.receive_json()["payload"]["data"]["renderProgress"] == {"status": "done", "progress": 1.0}
        assert ws.receive_json()["type"] == "complete"


def test_ggp_serve_plain_cli(tmp_path: Path) -> None:
    """`ggp serve --plain` answers on 127.0.0.1 and the docs page is served."""
    import os
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GGP_HOME": str(tmp_path)}
    env.pop("GGP_DATABASE_URL", None)
    command = [sys.executable, "-c", "from ggpgfx.cli import main; main()", "serve", "--plain", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
        assert (tmp_path / "ggp.db").exists()
    finally:
        server.terminate()
        server.wait(timeout=20)


def _head() -> str:
    """The newest Alembic revision shipped (each issue's migration moves it)."""
    from alembic.script import ScriptDirectory

    from ggpgfx.services.db import MIGRATIONS_DIR

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head
