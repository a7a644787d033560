"""schemathesis against the OpenAPI document with authentication: no 5xx, no schema violations."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from svc_helpers import activate_plan, make_org

EXAMPLES = int(os.environ.get("GGP_SCHEMATHESIS_EXAMPLES", "4"))  # kept small so CI stays under 2 minutes
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api_schema(client: Any, database_url: str) -> Any:
    """The app's own OpenAPI document, called in-process (on both database backends)."""
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@pytest.fixture(scope="module")
def auth_headers(client: Any, settings: Any) -> dict[str, str]:
    """An admin API key of a tenant of its own (logout cannot end it mid-run)."""
    org = make_org(client, "fuzz")
    activate_plan(client, settings.stripe_webhook_secret, org.id, "enterprise")
    project = client.post("/api/v1/projects", json={"name": "fuzz"}, headers=org.headers["owner"]).json()["id"]
    assert project
    key = client.post("/api/v1/api-keys", json={"name": "fuzz", "role": "admin"}, headers=org.headers["owner"]).json()["key"]
    return {"X-API-Key": key}


def test_api_conforms(api_schema: Any, auth_headers: dict[str, str]) -> None:
    """Every operation answers within its documented responses and never with a server error."""
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  phases=[Phase.explicit, Phase.generate])
        def check(case: Any) -> None:
            case.call_and_validate(headers=auth_headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations >= 50
    assert not failures, "\n\n".join(failures)
