"""Authorisation matrix: every endpoint × every role × a second organisation's resources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from svc_helpers import GRAPH_YAML, Org, Resources, activate_plan, bearer, login

ROLES = ("viewer", "producer", "admin", "owner")
RANK = {role: i for i, role in enumerate(ROLES)}
P = "/api/v1"


@dataclass
class Case:
    """One endpoint: how to build its path/body from an organisation's resources and who may call it."""

    name: str
    method: str
    path: Callable[[Resources], str]
    min_role: str
    ok: tuple[int, ...]
    body: Callable[[Resources], Any] | None = None
    files: bool = False
    after: Callable[[Any, Resources, Any], None] | None = None
    scoped: bool = True  # path or body names another tenant's object when built from its resources
    fresh_login: bool = False  # the call ends the caller's session, so use a new one


def _stop(client: Any, res: Resources, response: Any) -> None:
    if response.status_code == 201:
        client.post(f"{P}/streams/stop", json={"stream_id": response.json()["id"]}, headers=res.owner)


def _project(r: Resources) -> str:
    return r.shared("project")


CASES = [
    Case("logout", "POST", lambda r: f"{P}/auth/logout", "viewer", (204,), scoped=False, fresh_login=True),
    Case("me", "GET", lambda r: f"{P}/auth/me", "viewer", (200,), scoped=False),
    Case("totp setup", "POST", lambda r: f"{P}/auth/totp/setup", "viewer", (200,), scoped=False),
    Case("totp enable", "POST", lambda r: f"{P}/auth/totp/enable", "viewer", (400,), lambda r: {"code": "000000"}, scoped=False),
    Case("totp disable", "POST", lambda r: f"{P}/auth/totp/disable", "viewer", (400, 409), lambda r: {"code": "000000"}, scoped=False),
    Case("sessions", "GET", lambda r: f"{P}/auth/sessions", "viewer", (200,), scoped=False),
    Case("revoke other's session", "DELETE", lambda r: f"{P}/auth/sessions/{r.session_id('owner')}", "admin", (204,)),
    Case("list api keys", "GET", lambda r: f"{P}/api-keys", "admin", (200,), scoped=False),
    Case("create api key", "POST", lambda r: f"{P}/api-keys", "admin", (201,), lambda r: {"name": "k", "role": "viewer"}, scoped=False),
    Case("revoke api key", "DELETE", lambda r: f"{P}/api-keys/{r.fresh_api_key()}", "admin", (204,)),
    Case("list members", "GET", lambda r: f"{P}/members", "viewer", (200,), scoped=False),
    Case("set member role", "PUT", lambda r: f"{P}/members/{r.fresh_member()}", "admin", (204,), lambda r: {"role": "producer"}),
    Case("remove member", "DELETE", lambda r: f"{P}/members/{r.fresh_member()}", "admin", (204,)),
    Case("get user", "GET", lambda r: f"{P}/users/{r.org.users['viewer']}", "viewer", (200,)),
    Case("audit", "GET", lambda r: f"{P}/audit", "admin", (200,), scoped=False),
    Case("list webhooks", "GET", lambda r: f"{P}/webhooks", "admin", (200,), scoped=False),
    Case("create webhook", "POST", lambda r: f"{P}/webhooks", "admin", (201,),
         lambda r: {"url": "http://127.0.0.1:9/x", "events": ["invoice.paid"]}, scoped=False),
    Case("delete webhook", "DELETE", lambda r: f"{P}/webhooks/{r.fresh_webhook()}", "admin", (204,)),
    Case("webhook deliveries", "GET", lambda r: f"{P}/webhooks/{r.shared('webhook')}/deliveries", "admin", (200,)),
    Case("list projects", "GET", lambda r: f"{P}/projects", "viewer", (200,), scoped=False),
    Case("create project", "POST", lambda r: f"{P}/projects", "producer", (201,), lambda r: {"name": "n"}, scoped=False),
    Case("get project", "GET", lambda r: f"{P}/projects/{_project(r)}", "viewer", (200,)),
    Case("update project", "PUT", lambda r: f"{P}/projects/{_project(r)}", "producer", (200,), lambda r: {"description": "d"}),
    Case("delete project", "DELETE", lambda r: f"{P}/projects/{r.fresh_project()}", "admin", (204,)),
    Case("list versions", "GET", lambda r: f"{P}/projects/{_project(r)}/versions", "viewer", (200,)),
    Case("create version", "POST", lambda r: f"{P}/projects/{_project(r)}/versions", "producer", (201,),
         lambda r: {"yaml": GRAPH_YAML, "message": "m"}),
    Case("get version", "GET", lambda r: f"{P}/projects/{_project(r)}/versions/1", "viewer", (200,)),
    Case("diff", "GET", lambda r: f"{P}/projects/{_project(r)}/diff?from=1&to=1", "viewer", (200,)),
    Case("list assets", "GET", lambda r: f"{P}/projects/{_project(r)}/assets", "viewer", (200,)),
    Case("upload asset", "POST", lambda r: f"{P}/projects/{_project(r)}/assets", "producer", (201,), files=True),
    Case("get asset", "GET", lambda r: f"{P}/projects/{_project(r)}/assets/{r.shared('asset')}", "viewer", (200,)),
    Case("delete asset", "DELETE", lambda r: f"{P}/projects/{_project(r)}/assets/{r.fresh_asset()}", "producer", (204,)),
    Case("list project members", "GET", lambda r: f"{P}/projects/{_project(r)}/members", "viewer", (200,)),
    Case("add project member", "POST", lambda r: f"{P}/projects/{r.fresh_project()}/members", "admin", (201,),
         lambda r: {"user_id": r.org.users["producer"], "role": "producer"}),
    Case("remove project member", "DELETE", lambda r: f"{P}/projects/{r.fresh_project_member().replace('/', '/members/')}", "admin", (204,)),
    Case("list destinations", "GET", lambda r: f"{P}/projects/{_project(r)}/destinations", "viewer", (200,)),
    Case("create destination", "POST", lambda r: f"{P}/projects/{_project(r)}/destinations", "admin", (201,),
         lambda r: {"name": "yt", "url": "rtmp://127.0.0.1:19350/app", "stream_key": "abcd-efgh-ijkl"}),
    Case("delete destination", "DELETE",
         lambda r: f"{P}/projects/{_project(r)}/destinations/{r.fresh_destination()}", "admin", (204,)),
    Case("start stream", "POST", lambda r: f"{P}/streams/start", "producer", (201,),
         lambda r: {"project_id": _project(r), "settings": {"realtime": True}}, after=_stop),
    Case("stop stream", "POST", lambda r: f"{P}/streams/stop", "producer", (200,),
         lambda r: {"stream_id": r.fresh_stream()}, after=lambda c, r, resp: _stop(c, r, _Created(resp))),
    Case("stream status", "GET", lambda r: f"{P}/streams/status", "viewer", (200,), scoped=False),
    Case("get stream", "GET", lambda r: f"{P}/streams/{r.stopped_stream()}", "viewer", (200,)),
    Case("plans", "GET", lambda r: f"{P}/billing/plans", "viewer", (200,), scoped=False),
    Case("subscription", "GET", lambda r: f"{P}/billing/subscription", "admin", (200,), scoped=False),
    Case("change plan", "PUT", lambda r: f"{P}/billing/subscription", "owner", (200,),
         lambda r: {"plan_code": "enterprise"}, scoped=False),
    Case("usage", "GET", lambda r: f"{P}/billing/usage", "admin", (200,), scoped=False),
    Case("list invoices", "GET", lambda r: f"{P}/billing/invoices", "admin", (200,), scoped=False),
    Case("create invoice", "POST", lambda r: f"{P}/billing/invoices", "admin", (201,), lambda r: r.invoice_body(), scoped=False),
    Case("get invoice", "GET", lambda r: f"{P}/billing/invoices/{r.shared('invoice')}", "viewer" if False else "admin", (200,)),
    Case("templates", "GET", lambda r: f"{P}/graphics/templates", "viewer", (200, 503), scoped=False),
    Case("render", "POST", lambda r: f"{P}/graphics/render", "producer", (200, 422, 503),
         lambda r: {"table_state": {}, "skin": "broadcast", "width": 320, "height": 180}, scoped=False),
]


class _Created:
    """Adapter so a stop response can be cleaned up like a start response."""

    def __init__(self, response: Any) -> None:
        self.status_code = 201
        self._json = response.json()

    def json(self) -> Any:
        return self._json


def _send(client: Any, case: Case, res: Resources, headers: dict[str, str] | None) -> Any:
    path = case.path(res)
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if case.files:
        kwargs["data"] = {"kind": "logo"}
        kwargs["files"] = {"file": ("a.png", b"\x89PNG", "image/png")}
    elif case.body is not None:
        kwargs["json"] = case.body(res)
    return client.request(case.method, path, **kwargs)


@pytest.fixture(scope="module")
def tenants(client: Any, settings: Any, org_a: Org, org_b: Org) -> tuple[Resources, Resources]:
    """Both organisations on the enterprise plan (so stream limits do not mask authorisation)."""
    for org in (org_a, org_b):
        activate_plan(client, settings.stripe_webhook_secret, org.id, "enterprise")
    return Resources(client, org_a), Resources(client, org_b)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_endpoint_matrix(client: Any, tenants: tuple[Resources, Resources], case: Case) -> None:
    """401 without credentials; 403 below the role; success at/above it; 404 for another tenant's objects."""
    own, other = tenants
    response = _send(client, case, own, None)
    assert response.status_code == 401, f"{case.name}: anonymous got {response.status_code}"
    for role in ROLES:
        headers = own.org.headers[role]
        if case.fresh_login:
            headers = bearer(login(client, own.org.emails[role], own.org.id)["access_token"])
        response = _send(client, case, own, headers)
        if RANK[role] >= RANK[case.min_role]:
            assert response.status_code in case.ok, f"{case.name} as {role}: {response.status_code} {response.text}"
            if case.after:
                case.after(client, own, response)
        else:
            assert response.status_code == 403, f"{case.name} as {role}: {response.status_code} {response.text}"
        if case.scoped:
            cross = _send(client, case, other, own.org.headers[role])
            allowed = (404,) if RANK[role] >= RANK[case.min_role] else (403, 404)
            assert cross.status_code in allowed, f"{case.name} as {role} on other org: {cross.status_code} {cross.text}"


def test_lists_never_show_other_tenants(client: Any, tenants: tuple[Resources, Resources]) -> None:
    """Collections of one organisation contain none of the other's ids."""
    own, other = tenants
    theirs = {other.shared("project"), other.org.users["viewer"], other.shared("webhook")}
    for path in ("/projects", "/members", "/webhooks", "/api-keys", "/streams/status", "/billing/invoices", "/audit"):
        response = client.get(f"{P}{path}", headers=own.org.headers["owner"])
        assert response.status_code == 200, response.text
        assert not any(object_id in response.text for object_id in theirs), path


def test_cross_tenant_references_in_bodies(client: Any, tenants: tuple[Resources, Resources]) -> None:
    """Naming another tenant's user or destination inside a body of one's own project is a 404."""
    own, other = tenants
    headers = own.org.headers["owner"]
    project = own.fresh_project()
    response = client.post(f"{P}/projects/{project}/members", json={"user_id": other.org.users["viewer"]}, headers=headers)
    assert response.status_code == 404
    body = {"project_id": project, "destination_ids": [other.shared("destination")]}
    assert client.post(f"{P}/streams/start", json=body, headers=headers).status_code == 404
