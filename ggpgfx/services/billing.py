"""Billing: plan catalogue and limits, subscriptions, usage metering, invoices, payment providers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, select

from ggpgfx.errors import ServiceError
from ggpgfx.services import schemas as s
from ggpgfx.services.base import Service, scoped_get
from ggpgfx.services.models import (
    Invoice,
    InvoiceLine,
    PaymentEvent,
    Stream,
    Subscription,
    UsageRecord,
    utcnow,
)
from ggpgfx.services.notifications import NotificationsService, verify_signature
from ggpgfx.services.security import Principal

METRICS = ("stream_minutes", "gpu_seconds", "output_bytes", "render_minutes")


@dataclass(frozen=True)
class Plan:
    """A tier: monthly fee, limits checked at stream start, prices per metered unit (cents)."""

    code: str
    name: str
    monthly_fee_cents: int
    limits: dict[str, float] = field(default_factory=dict)
    prices_cents: dict[str, float] = field(default_factory=dict)


# Tiers modelled on PokerGFX's (Basic / Pro / Enterprise): tables, video sources, outputs, delay length.
PLANS: dict[str, Plan] = {
    "free": Plan("free", "Free", 0,
                 {"tables": 1, "video_sources": 1, "outputs": 1, "delay_seconds": 30, "stream_minutes": 600},
                 {"stream_minutes": 0.0, "gpu_seconds": 0.0, "output_bytes": 0.0, "render_minutes": 0.0}),
    "pro": Plan("pro", "Pro", 9900,
                {"tables": 4, "video_sources": 8, "outputs": 4, "delay_seconds": 1800, "stream_minutes": 20000},
                {"stream_minutes": 1.0, "gpu_seconds": 0.02, "output_bytes": 5.0 / 1e9, "render_minutes": 0.0}),
    "enterprise": Plan("enterprise", "Enterprise", 99900,
                       {"tables": 64, "video_sources": 256, "outputs": 64, "delay_seconds": 7200,
                        "stream_minutes": 1e9},
                       {"stream_minutes": 0.5, "gpu_seconds": 0.01, "output_bytes": 2.0 / 1e9, "render_minutes": 0.0}),
}


def plan_out(plan: Plan) -> s.PlanOut:
    """API view of a plan."""
    return s.PlanOut(code=plan.code, name=plan.name, monthly_fee_cents=plan.monthly_fee_cents,
                     limits=dict(plan.limits), prices_cents=dict(plan.prices_cents))


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in UTC."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


class PaymentProvider(Protocol):
    """Turns an invoice into a payable object at a provider (Stripe, PayPal, manual)."""

    name: str

    def create_invoice(self, invoice: Invoice, lines: list[InvoiceLine]) -> str | None:
        """Register the invoice; return the provider's reference."""

    def create_checkout(self, organization_id: str, plan: Plan) -> str:
        """Start the customer's payment for `plan`; return the provider's checkout reference."""


class ManualProvider:
    """Default: payments happen out of band and a platform operator records them (never the customer)."""

    name = "manual"

    def create_invoice(self, invoice: Invoice, lines: list[InvoiceLine]) -> str | None:
        """Nothing to call; the reference is the invoice number."""
        return f"manual-{invoice.number}"

    def create_checkout(self, organization_id: str, plan: Plan) -> str:
        """Nothing to call: the upgrade waits for an operator to record the payment."""
        return f"manual-checkout-{organization_id[:8]}-{plan.code}"


class BillingService(Service):
    """Plans, subscriptions, usage, invoices and the payment webhook."""

    def __init__(self, context: Any, notifications: NotificationsService | None = None,
                 provider: PaymentProvider | None = None) -> None:
        super().__init__(context)
        self.notifications = notifications
        self.provider: PaymentProvider = provider or ManualProvider()

    def list_plans(self) -> list[s.PlanOut]:
        """The plan catalogue."""
        return [plan_out(p) for p in PLANS.values()]

    def _subscription(self, session: Any, organization_id: str) -> Subscription:
        """The organisation's subscription, with a scheduled downgrade applied once its date has come."""
        row = session.scalars(select(Subscription).where(Subscription.organization_id == organization_id)).first()
        if row is None:
            row = Subscription(organization_id=organization_id, plan_code="free")
            session.add(row)
            session.flush()
        if row.pending_plan_code and row.pending_effective_at is not None and row.pending_effective_at <= utcnow():
            old_plan, row.plan_code = row.plan_code, row.pending_plan_code
            row.pending_plan_code, row.pending_effective_at, row.updated_at = None, None, utcnow()
            self.audit(session, None, organization_id, "subscription.changed", plan=row.plan_code, previous=old_plan)
        return row

    def plan_for(self, organization_id: str) -> Plan:
        """The organisation's current plan."""
        with self.context.session() as session:
            return PLANS[self._subscription(session, organization_id).plan_code]

    def get_subscription(self, principal: Principal) -> s.SubscriptionOut:
        """The caller's subscription."""
        principal.require("admin")
        with self.context.session() as session:
            return s.SubscriptionOut.model_validate(self._subscription(session, principal.organization_id))

    def change_plan(self, principal: Principal, body: s.PlanChangeIn) -> s.SubscriptionOut:
        """Ask for another plan (owners only). The customer never switches a paid plan on by themselves:
        an upgrade starts a checkout at the payment provider and takes effect when the provider's signed
        webhook confirms it (or a platform operator records an out-of-band payment); a downgrade is
        scheduled for the end of the current period; asking for the current plan cancels what is pending."""
        principal.require("owner")
        if body.plan_code not in PLANS:
            raise ServiceError(f"unknown plan '{body.plan_code}'; choose one of {', '.join(PLANS)}", 422)
        target = PLANS[body.plan_code]
        checkout: str | None = None
        with self.context.session() as session:
            row = self._subscription(session, principal.organization_id)
            current = PLANS[row.plan_code]
            if target.code == current.code:
                row.pending_plan_code, row.pending_effective_at = None, None
                action = "subscription.change_cancelled"
            elif target.monthly_fee_cents > current.monthly_fee_cents:
                checkout = self.provider.create_checkout(principal.organization_id, target)
                row.pending_plan_code, row.pending_effective_at = target.code, None
                action = "subscription.checkout_started"
            else:
                _, period_end = month_bounds(utcnow().year, utcnow().month)
                row.pending_plan_code, row.pending_effective_at = target.code, period_end
                action = "subscription.downgrade_scheduled"
            row.updated_at = utcnow()
            self.audit(session, principal, principal.organization_id, action, plan=target.code,
                       **({"checkout": checkout} if checkout else {}))
            out = s.SubscriptionOut.model_validate(row).model_copy(update={"checkout_ref": checkout})
        return out

    # ---- metering and limits -----------------------------------------------------------
    def record_usage(self, organization_id: str, stream_id: str | None, usage: dict[str, float],
                     project_id: str | None = None) -> None:
        """Write usage records (called by the streams service as runs progress and stop, and for studio renders)."""
        with self.context.session() as session:
            for metric, quantity in usage.items():
                if metric not in METRICS:
                    raise ValueError(f"unknown usage metric '{metric}'")
                if quantity > 0:
                    session.add(UsageRecord(organization_id=organization_id, stream_id=stream_id, metric=metric,
                                            quantity=float(quantity), project_id=project_id))

    def record_render(self, organization_id: str, project_id: str | None, minutes: float) -> None:
        """Meter a finished studio render job (its minutes of work) for the organisation and, when given, a project."""
        self.record_usage(organization_id, None, {"render_minutes": minutes}, project_id)

    def _totals(self, session: Any, organization_id: str, start: datetime, end: datetime) -> dict[str, float]:
        rows = session.execute(
            select(UsageRecord.metric, func.sum(UsageRecord.quantity)).where(
                UsageRecord.organization_id == organization_id, UsageRecord.recorded_at >= start,
                UsageRecord.recorded_at < end).group_by(UsageRecord.metric)
        ).all()
        totals = {metric: 0.0 for metric in METRICS}
        totals.update({metric: float(total or 0) for metric, total in rows})
        return totals

    def usage(self, principal: Principal, year: int | None = None, month: int | None = None) -> s.UsageOut:
        """Usage totals for a month (default: the current one)."""
        principal.require("admin")
        now = utcnow()
        start, end = month_bounds(year or now.year, month or now.month)
        with self.context.sessions() as session:
            return s.UsageOut(period_start=start, period_end=end, totals=self._totals(session, principal.organization_id, start, end))

    def usage_report(self, principal: Principal, days: int = 30, project_id: str | None = None) -> dict[str, Any]:
        """Daily usage per project (stream and GPU hours, output GB, output hours by destination, hands,
        tables) from the usage rows invoices add up (ggpgfx/services/usage.py)."""
        from ggpgfx.services.usage import usage_report

        principal.require("admin")
        with self.context.sessions() as session:
            return usage_report(session, principal.organization_id, days, project_id)

    def check_stream_start(self, organization_id: str, demand: dict[str, float]) -> None:
        """Raise 402 naming the limit a stream start would exceed (its own 'starting' row already exists)."""
        with self.context.session() as session:
            plan = PLANS[self._subscription(session, organization_id).plan_code]
            running = session.scalar(select(func.count()).select_from(Stream).where(
                Stream.organization_id == organization_id, Stream.status.in_(("starting", "running"))))
            now = utcnow()
            start, end = month_bounds(now.year, now.month)
            used = self._totals(session, organization_id, start, end)["stream_minutes"]
        checks: list[tuple[str, float, str]] = [
            ("tables", float(running or 0), "concurrent streams (tables)"),  # the new stream's 'starting' row is counted
            ("video_sources", demand.get("video_sources", 0), "video sources"),
            ("outputs", demand.get("outputs", 0), "outputs"),
            ("delay_seconds", demand.get("delay_seconds", 0), "seconds of delay"),
        ]
        for key, wanted, words in checks:
            if wanted > plan.limits[key]:
                raise ServiceError(
                    f"the {plan.name} plan allows {plan.limits[key]:g} {words}; this stream needs {wanted:g} "
                    "(upgrade the plan)", 402)
        if used >= plan.limits["stream_minutes"]:
            raise ServiceError(f"the {plan.name} plan's {plan.limits['stream_minutes']:g} stream-minutes this month "
                               "are used up (upgrade the plan)", 402)

    # ---- invoices ---------------------------------------------------------------------------
    def create_invoice(self, principal: Principal, body: s.InvoiceIn) -> s.InvoiceOut:
        """Close a month into an invoice: the plan fee plus metered usage at the plan's prices."""
        principal.require("admin")
        now = utcnow()
        year, month = body.year, body.month
        if year is None or month is None:
            year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
        start, end = month_bounds(year, month)
        org = principal.organization_id
        with self.context.session() as session:
            if session.scalars(select(Invoice).where(Invoice.organization_id == org, Invoice.period_start == start)).first():
                raise ServiceError(f"an invoice for {year}-{month:02d} already exists", 409)
            plan = PLANS[self._subscription(session, org).plan_code]
            totals = self._totals(session, org, start, end)
            invoice = Invoice(organization_id=org, number=f"GGP-{year}{month:02d}-{org[:6].upper()}",
                              period_start=start, period_end=end, provider=self.provider.name)
            session.add(invoice)
            session.flush()
            lines = [InvoiceLine(organization_id=org, invoice_id=invoice.id, description=f"{plan.name} plan",
                                 metric="plan", quantity=1, unit_price_cents=plan.monthly_fee_cents,
                                 amount_cents=plan.monthly_fee_cents)]
            for metric in METRICS:
                price = plan.prices_cents.get(metric, 0.0)
                quantity = totals[metric]
                lines.append(InvoiceLine(organization_id=org, invoice_id=invoice.id, description=metric.replace("_", " "),
                                         metric=metric, quantity=quantity, unit_price_cents=price,
                                         amount_cents=round(quantity * price)))
            session.add_all(lines)
            invoice.total_cents = sum(line.amount_cents for line in lines)
            invoice.provider_ref = self.provider.create_invoice(invoice, lines)
            if invoice.total_cents == 0:
                invoice.status, invoice.paid_at = "paid", utcnow()
            self.audit(session, principal, org, "invoice.created", f"invoice:{invoice.id}", total_cents=invoice.total_cents)
            out = self._invoice_out(session, invoice)
        self._notify(org, "invoice.created", {"invoice_id": out.id, "total_cents": out.total_cents})
        return out

    def _invoice_out(self, session: Any, invoice: Invoice) -> s.InvoiceOut:
        lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
        return s.InvoiceOut.model_validate(invoice).model_copy(
            update={"lines": [s.InvoiceLineOut.model_validate(x) for x in lines]})

    def list_invoices(self, principal: Principal) -> list[s.InvoiceOut]:
        """Invoices of the organisation, newest first."""
        principal.require("admin")
        with self.context.sessions() as session:
            rows = session.scalars(select(Invoice).where(Invoice.organization_id == principal.organization_id)
                                   .order_by(Invoice.period_start.desc())).all()
            return [self._invoice_out(session, r) for r in rows]

    def get_invoice(self, principal: Principal, invoice_id: str) -> s.InvoiceOut:
        """One invoice with lines."""
        principal.require("admin")
        with self.context.sessions() as session:
            return self._invoice_out(session, scoped_get(session, Invoice, invoice_id, principal, "invoice"))

    # ---- platform operators (staff of the business running the platform) -----------------------
    def _staff(self, session: Any, principal: Principal) -> str:
        """The operator's user id, or 403: no tenant role (owner included) records payments."""
        from ggpgfx.services.models import PlatformStaff

        if principal.user_id is None or session.get(PlatformStaff, principal.user_id) is None:
            raise ServiceError("only a platform operator records payments; the payment provider confirms "
                               "card payments by itself", 403)
        return principal.user_id

    def _staff_audit(self, session: Any, staff_id: str, principal: Principal, organization_id: str, action: str,
                     target: str, **detail: Any) -> None:
        """One entry in the operators' own trail and one in the organisation's audit log."""
        from ggpgfx.services.models import AuditEvent, StaffAuditEvent

        session.add(StaffAuditEvent(actor=f"staff:{staff_id}", action=action, organization_id=organization_id,
                                    target=target, detail=detail, ip=principal.ip))
        session.add(AuditEvent(organization_id=organization_id, actor=f"staff:{staff_id}", action=action,
                               target=target, detail=detail, ip=""))

    def staff_mark_paid(self, principal: Principal, invoice_id: str) -> s.InvoiceOut:
        """Record an out-of-band payment of any organisation's invoice (platform operators only)."""
        with self.context.session() as session:
            staff_id = self._staff(session, principal)
            invoice = session.get(Invoice, invoice_id)
            if invoice is None:
                raise ServiceError(f"invoice '{invoice_id}' not found", 404)
            self._pay(session, invoice)
            self._staff_audit(session, staff_id, principal, invoice.organization_id, "invoice.marked_paid",
                              f"invoice:{invoice_id}", total_cents=invoice.total_cents)
            out = self._invoice_out(session, invoice)
            org = invoice.organization_id
        self._notify(org, "invoice.paid", {"invoice_id": invoice_id})
        return out

    def staff_set_plan(self, principal: Principal, organization_id: str, body: s.PlanChangeIn) -> s.SubscriptionOut:
        """Put an organisation on a plan now, after an out-of-band payment (platform operators only)."""
        from ggpgfx.services.models import Organization

        if body.plan_code not in PLANS:
            raise ServiceError(f"unknown plan '{body.plan_code}'; choose one of {', '.join(PLANS)}", 422)
        with self.context.session() as session:
            staff_id = self._staff(session, principal)
            if session.get(Organization, organization_id) is None:
                raise ServiceError(f"organisation '{organization_id}' not found", 404)
            row = self._subscription(session, organization_id)
            previous = row.plan_code
            row.plan_code, row.provider, row.status, row.updated_at = body.plan_code, "manual", "active", utcnow()
            row.pending_plan_code, row.pending_effective_at = None, None
            self._staff_audit(session, staff_id, principal, organization_id, "subscription.changed",
                              f"organization:{organization_id}", plan=body.plan_code, previous=previous)
            out = s.SubscriptionOut.model_validate(row)
        self._notify(organization_id, "subscription.updated", {"plan_code": body.plan_code})
        return out

    def staff_audit_log(self, principal: Principal, limit: int = 100) -> list[s.StaffAuditOut]:
        """The operators' own trail, newest first (platform operators only)."""
        from ggpgfx.services.models import StaffAuditEvent

        with self.context.session() as session:
            self._staff(session, principal)
            rows = session.scalars(select(StaffAuditEvent).order_by(StaffAuditEvent.created_at.desc())
                                   .limit(max(1, min(limit, 1000)))).all()
            return [s.StaffAuditOut.model_validate(r) for r in rows]

    def _pay(self, session: Any, invoice: Invoice) -> None:
        if invoice.status == "void":
            raise ServiceError("invoice is void", 409)
        if invoice.status != "paid":
            invoice.status, invoice.paid_at = "paid", utcnow()

    # ---- payment-provider webhook --------------------------------------------------------------
    def handle_stripe_webhook(self, payload: bytes, signature: str) -> dict[str, str]:
        """Verify a Stripe-style signed event and apply it once (replays are acknowledged, not re-applied)."""
        from sqlalchemy.exc import IntegrityError

        secret = self.settings.stripe_webhook_secret
        if not secret:
            raise ServiceError("payment webhooks are not configured (set GGP_STRIPE_WEBHOOK_SECRET)", 503)
        if not verify_signature(secret, payload, signature):
            raise ServiceError("bad webhook signature", 400)
        try:
            event = json.loads(payload)
            event_id, event_type = str(event["id"]), str(event["type"])
            obj = event["data"]["object"]
            metadata = obj.get("metadata") or {}
            org = str(metadata["ggp_organization_id"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ServiceError(f"malformed webhook event: {exc}", 400) from exc
        notify: tuple[str, dict[str, Any]] | None = None
        from ggpgfx.services.models import Organization

        with self.context.sessions() as session:
            seen = session.scalars(select(PaymentEvent).where(
                PaymentEvent.provider == "stripe", PaymentEvent.event_id == event_id)).first()
            if seen is not None:
                return {"status": "duplicate", "event_id": event_id}
            if session.get(Organization, org) is None:
                raise ServiceError("organisation in webhook not found", 404)
        try:
            with self.context.session() as session:
                session.add(PaymentEvent(organization_id=org, provider="stripe", event_id=event_id,
                                         event_type=event_type, payload=event))
                session.flush()
                if event_type == "invoice.paid":
                    invoice = session.scalars(select(Invoice).where(
                        Invoice.id == str(metadata.get("ggp_invoice_id")), Invoice.organization_id == org)).first()
                    if invoice is None:
                        raise ServiceError("invoice in webhook not found", 404)
                    self._pay(session, invoice)
                    invoice.provider_ref = str(obj.get("id") or invoice.provider_ref)
                    notify = ("invoice.paid", {"invoice_id": invoice.id})
                elif event_type == "invoice.payment_failed":
                    invoice = session.scalars(select(Invoice).where(
                        Invoice.id == str(metadata.get("ggp_invoice_id")), Invoice.organization_id == org)).first()
                    if invoice is None:
                        raise ServiceError("invoice in webhook not found", 404)
                    reason = (obj.get("last_payment_error") or {}).get("message") if isinstance(
                        obj.get("last_payment_error"), dict) else None
                    notify = ("payment.failed", {"invoice_id": invoice.id, "number": invoice.number,
                                                 "total_cents": invoice.total_cents, "reason": reason})
                elif event_type in ("customer.subscription.updated", "customer.subscription.created"):
                    plan_code = str(metadata.get("ggp_plan_code"))
                    if plan_code not in PLANS:
                        raise ServiceError(f"unknown plan '{plan_code}' in webhook", 400)
                    sub = self._subscription(session, org)
                    sub.plan_code, sub.provider, sub.updated_at = plan_code, "stripe", utcnow()
                    sub.pending_plan_code, sub.pending_effective_at = None, None  # the provider confirmed it
                    sub.provider_ref = str(obj.get("id") or "")
                    sub.status = "active" if obj.get("status", "active") in ("active", "trialing") else str(obj["status"])
                    notify = ("subscription.updated", {"plan_code": plan_code})
                self.audit(session, None, org, "payment.webhook", event_id, type=event_type)
        except IntegrityError:
            return {"status": "duplicate", "event_id": event_id}
        if notify:
            self._notify(org, *notify)
        return {"status": "processed", "event_id": event_id}

    def _notify(self, organization_id: str, event_type: str, data: dict[str, Any]) -> None:
        if self.notifications is not None:
            self.notifications.emit(organization_id, event_type, data)
