"""Typed service calls: the Serve host runs only its services' public methods, errors keep their
type across pickling, and mypy rejects a call the service Protocol does not have."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import Org


def test_service_host_runs_hosted_public_methods_only(client: Any, settings: Any, org_a: Org) -> None:
    """A `projects` replica runs ProjectsService methods; another service's method or a private one is refused."""
    from ggpgfx.errors import ServiceError
    from ggpgfx.services.billing import BillingService
    from ggpgfx.services.projects import ProjectsService
    from ggpgfx.services.security import Principal
    from ggpgfx.services.serve_app import ServiceHost

    host = ServiceHost(settings, ("projects",))
    try:
        principal = Principal(organization_id=org_a.id, role="owner", user_id=org_a.users["owner"])
        created = client.post("/api/v1/projects", json={"name": "typed-host"}, headers=org_a.headers["owner"])
        assert created.status_code == 201
        listed = asyncio.run(host.run(ProjectsService.list_projects, (principal,), {"name_contains": "typed-host"}))
        assert [p.id for p in listed] == [created.json()["id"]]
        for method in (BillingService.list_plans, ProjectsService._out):
            with pytest.raises(ServiceError, match="is not served by this deployment") as refused:
                asyncio.run(host.run(method, (), {}))
            assert refused.value.status_code == 500
        with pytest.raises(ServiceError) as missing:  # the service's own error, raised as itself
            asyncio.run(host.run(ProjectsService.get_project, (principal, "0" * 32), {}))
        assert missing.value.status_code == 404
    finally:
        host.services["notifications"].drain(5.0)
        host.services["context"].close()


def test_errors_pickle_as_themselves() -> None:
    """What Ray carries from a replica to the gateway: same type, message, status and diagnostics."""
    from ggpgfx.errors import ServiceError
    from ggpgfx.services.projects import GraphInvalid

    diagnostics = [{"line": 3, "col": 1, "text": "unknown node type 'nope'"}, {"line": 5, "col": 2, "text": "x"}]
    invalid = pickle.loads(pickle.dumps(GraphInvalid(diagnostics)))
    assert type(invalid) is GraphInvalid and str(invalid) == "2 errors in graph"
    assert invalid.status_code == 422 and invalid.diagnostics == diagnostics
    conflict = pickle.loads(pickle.dumps(ServiceError("already a member", 409)))
    assert (type(conflict), str(conflict), conflict.status_code) == (ServiceError, "already a member", 409)


CALLER = '''
from ggpgfx.services.backend import Backend
from ggpgfx.services.security import Principal


async def names(backend: Backend, principal: Principal) -> list[str]:
    rows = await backend.projects.{call}
    return [row.name for row in rows]
'''


CALLS = {  # caller module -> (the call, the error mypy must report or None)
    "good": ("list_projects(principal, None, 10, 0)", None),
    "typo": ("list_projcts(principal)", '"ProjectsAPI" has no attribute "list_projcts"'),
    "argument": ("list_projects(principal, limit='ten')", 'incompatible type "str"; expected "int"'),
    "result": ("delete_project(principal, 'p1')", "does not return a value"),
}


def test_mypy_checks_service_calls(tmp_path: Path) -> None:
    """A misspelt method, a wrong argument or a misused result is a type error in the caller."""
    mypy_api = pytest.importorskip("mypy.api")
    for name, (call, _) in CALLS.items():
        (tmp_path / f"caller_{name}.py").write_text(CALLER.format(call=call))
    # the callers beside the package itself, with the project's settings and cache: after scripts/test.sh's
    # `mypy ggpgfx` every ggpgfx module is fresh in the cache and only the callers are checked (~3 s); with
    # other options (--follow-imports=silent) or the package only imported, mypy re-checks it and Ray (~40 s)
    root = Path(__file__).resolve().parents[2]
    out, err, _ = mypy_api.run([str(root / "ggpgfx"), *(str(tmp_path / f"caller_{name}.py") for name in CALLS),
                                "--config-file", str(root / "pyproject.toml"), "--cache-dir",
                                str(root / ".mypy_cache"), "--no-error-summary"])
    for name, (_, error) in CALLS.items():
        reported = [line for line in out.splitlines() if f"caller_{name}.py:" in line and ": error:" in line]
        if error is None:
            assert not reported, out + err
        else:
            assert any(error in line for line in reported), out + err
