"""The customer never records their own payment (issue #20 item 11): upgrades wait for the payment
provider, downgrades for the period's end, out-of-band payments are a platform operator's, audited apart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from svc_helpers import Org, activate_plan, bearer, login, make_org

P = "/api/v1"


def _subscription(client: Any, org: Org) -> dict[str, Any]:
    return dict(client.get(f"{P}/billing/subscription", headers=org.headers["owner"]).json())


def test_owner_upgrade_waits_for_the_provider(client: Any, settings: Any) -> None:
    org = make_org(client, "upgrader")
    asked = client.put(f"{P}/billing/subscription", json={"plan_code": "pro"}, headers=org.headers["owner"])
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["plan_code"] == "free" and body["pending_plan_code"] == "pro" and body["checkout_ref"]
    assert _subscription(client, org)["plan_code"] == "free"
    # the free plan's limits still hold
    invoice = client.post(f"{P}/billing/invoices", json={"year": 2040, "month": 1}, headers=org.headers["owner"]).json()
    assert invoice["total_cents"] == 0
    activate_plan(client, settings.stripe_webhook_secret, org.id, "pro")  # the provider confirms the payment
    now = _subscription(client, org)
    assert now["plan_code"] == "pro" and now["pending_plan_code"] is None and now["provider"] == "stripe"


def test_downgrade_takes_effect_at_the_period_end(client: Any, settings: Any) -> None:
    from sqlalchemy import select

    from ggpgfx.services.models import Subscription, utcnow

    org = make_org(client, "downgrader")
    activate_plan(client, settings.stripe_webhook_secret, org.id, "pro")
    asked = client.put(f"{P}/billing/subscription", json={"plan_code": "free"}, headers=org.headers["owner"]).json()
    assert asked["plan_code"] == "pro" and asked["pending_plan_code"] == "free"
    assert asked["pending_effective_at"] > utcnow().isoformat()
    assert _subscription(client, org)["plan_code"] == "pro"
    with client.app.state.backend.services["context"].session() as session:  # the period ends
        row = session.scalars(select(Subscription).where(Subscription.organization_id == org.id)).one()
        row.pending_effective_at = utcnow() - timedelta(seconds=1)
    after = _subscription(client, org)
    assert after["plan_code"] == "free" and after["pending_plan_code"] is None


def test_no_tenant_role_records_a_payment(client: Any, settings: Any) -> None:
    org_a = make_org(client, "payer")
    activate_plan(client, settings.stripe_webhook_secret, org_a.id, "pro")  # so the invoice has something to pay
    invoice = client.post(f"{P}/billing/invoices", json={"year": 2041, "month": 3}, headers=org_a.headers["owner"])
    assert invoice.status_code == 201, invoice.text
    invoice_id = invoice.json()["id"]
    assert client.post(f"{P}/billing/invoices/{invoice_id}/pay", headers=org_a.headers["owner"]).status_code in (404, 405)
    for role in ("owner", "admin", "producer", "viewer"):
        refused = client.post(f"{P}/staff/invoices/{invoice_id}/pay", headers=org_a.headers[role])
        assert refused.status_code == 403 and "platform operator" in refused.json()["detail"], (role, refused.text)
        assert client.put(f"{P}/staff/organizations/{org_a.id}/subscription", json={"plan_code": "enterprise"},
                          headers=org_a.headers[role]).status_code == 403
        assert client.get(f"{P}/staff/audit", headers=org_a.headers[role]).status_code == 403
    key = client.post(f"{P}/api-keys", json={"name": "k", "role": "admin"}, headers=org_a.headers["owner"]).json()["key"]
    assert client.post(f"{P}/staff/invoices/{invoice_id}/pay", headers={"X-API-Key": key}).status_code == 403
    assert client.get(f"{P}/billing/invoices/{invoice_id}", headers=org_a.headers["owner"]).json()["status"] == "open"


def test_platform_operator_records_out_of_band_payments(client: Any, settings: Any) -> None:
    from ggpgfx.services import staff

    org_b = make_org(client, "customer")
    activate_plan(client, settings.stripe_webhook_secret, org_b.id, "pro")

    context = client.app.state.backend.services["context"]
    operator = make_org(client, "platform-ops")  # the business's own staff account
    staff.grant(context, operator.emails["viewer"])
    headers = bearer(login(client, operator.emails["viewer"])["access_token"])  # acting in their home org
    invoice_id = client.post(f"{P}/billing/invoices", json={"year": 2041, "month": 7},
                             headers=org_b.headers["owner"]).json()["id"]
    paid = client.post(f"{P}/staff/invoices/{invoice_id}/pay", headers=headers)
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    moved = client.put(f"{P}/staff/organizations/{org_b.id}/subscription", json={"plan_code": "enterprise"},
                       headers=headers)
    assert moved.status_code == 200 and moved.json()["plan_code"] == "enterprise"
    trail = client.get(f"{P}/staff/audit", headers=headers).json()
    actions = [(e["action"], e["organization_id"]) for e in trail]
    assert ("invoice.marked_paid", org_b.id) in actions and ("subscription.changed", org_b.id) in actions
    assert any(e["action"] == "staff.granted" for e in trail)
    # the customer sees who recorded it in their own audit log
    tenant_log = client.get(f"{P}/audit", headers=org_b.headers["owner"]).json()
    assert any(e["action"] == "invoice.marked_paid" and e["actor"].startswith("staff:") for e in tenant_log)
    # an operator is not a member of the tenant: tenant routes still answer 404/403 for them
    assert client.get(f"{P}/billing/invoices/{invoice_id}", headers=headers).status_code in (403, 404)
    assert staff.revoke(context, operator.emails["viewer"])
    assert client.get(f"{P}/staff/audit", headers=headers).status_code == 403
