"""Service fixtures: a database per backend (SQLite file, PostgreSQL schema), apps, users per role."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Cheaper argon2id for the hundreds of test logins (test_password_hash_defaults checks the real profile).
os.environ.setdefault("GGP_ARGON2_TIME_COST", "1")
os.environ.setdefault("GGP_ARGON2_MEMORY_KIB", "8192")
sys.path.insert(0, str(Path(__file__).parent))  # svc_helpers, shared by the test modules
from svc_helpers import Org, make_org  # noqa: E402

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="ggp-svc-db-"))
        yield f"sqlite:///{folder / 'ggp.db'}"
        return
    if not _pg_available():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    import psycopg

    schema = f"ggp_test_{secrets.token_hex(6)}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings pointing at the session database, with limits loose enough for tests."""
    from ggpgfx.services.config import load_settings

    home = tmp_path_factory.mktemp("ggp-home")
    return load_settings(home=home, database_url=database_url, rate_limit_per_s=10_000.0, rate_limit_burst=10_000,
                         stream_executor="local", stripe_webhook_secret="whsec_test_secret", alerts_token="alert-token-1",
                         # every test client shares one address; test_svc_login_abuse checks the default
                         login_address_free_failures=1_000_000, ws_rate_per_s=10_000.0, ws_burst=10_000,
                         policy_allow_hosts=["127.0.0.1"])  # the tests' webhook receivers listen on loopback


@pytest.fixture(scope="session")
def client(settings: Any) -> Iterator[Any]:
    """A TestClient over the app with every service in-process (one per database backend)."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app

    with TestClient(create_local_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def org_a(client: Any) -> Org:
    """First tenant."""
    return make_org(client, "alpha")


@pytest.fixture(scope="session")
def org_b(client: Any) -> Org:
    """Second tenant (its resources must stay invisible to the first)."""
    return make_org(client, "bravo")


@pytest.fixture
def served(settings: Any) -> Iterator[str]:
    """The platform app (every service in-process, the session's database) on a free port: its base URL."""
    from ggpgfx.services.app import create_local_app
    from ggpgfx.testing import serve_app

    with serve_app(create_local_app(settings)) as url:
        yield url
