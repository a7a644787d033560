"""REST routes: streams start/stop/status, billing, the payment webhook, graphics templates and render."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ggpgfx.services import schemas as s
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.post("/streams/start", response_model=s.StreamOut, status_code=201, tags=["streams"])
async def start_stream(body: s.StreamStartIn, principal: CurrentPrincipal, request: Request) -> s.StreamOut:
    """Start a project's graph as a managed run (plan limits are checked first)."""
    return await backend(request).streams.start(principal, body)


@router.post("/streams/stop", response_model=s.StreamOut, tags=["streams"])
async def stop_stream(body: s.StreamStopIn, principal: CurrentPrincipal, request: Request) -> s.StreamOut:
    """Stop a stream."""
    return await backend(request).streams.stop(principal, body)


@router.get("/streams/status", response_model=list[s.StreamOut], tags=["streams"])
async def stream_status(
    principal: CurrentPrincipal, request: Request,
    project_id: Annotated[str | None, Query(max_length=32)] = None, active: bool = False,
) -> list[s.StreamOut]:
    """Streams of my organisation with live per-node metrics."""
    return await backend(request).streams.status(principal, project_id, active)


@router.get("/streams/{stream_id}", response_model=s.StreamOut, tags=["streams"])
async def get_stream(stream_id: str, principal: CurrentPrincipal, request: Request) -> s.StreamOut:
    """One stream."""
    return await backend(request).streams.get(principal, stream_id)


@router.get("/billing/plans", response_model=list[s.PlanOut], tags=["billing"])
async def plans(principal: CurrentPrincipal, request: Request) -> list[s.PlanOut]:
    """The plan catalogue."""
    return await backend(request).billing.list_plans()


@router.get("/billing/subscription", response_model=s.SubscriptionOut, tags=["billing"])
async def subscription(principal: CurrentPrincipal, request: Request) -> s.SubscriptionOut:
    """My organisation's plan."""
    return await backend(request).billing.get_subscription(principal)


@router.put("/billing/subscription", response_model=s.SubscriptionOut, tags=["billing"])
async def change_plan(body: s.PlanChangeIn, principal: CurrentPrincipal, request: Request) -> s.SubscriptionOut:
    """Ask for a plan (owner): an upgrade starts a checkout and waits for the provider's confirmation,
    a downgrade is scheduled for the period's end."""
    return await backend(request).billing.change_plan(principal, body)


@router.get("/billing/usage", response_model=s.UsageOut, tags=["billing"])
async def usage(
    principal: CurrentPrincipal, request: Request,
    year: Annotated[int | None, Query(ge=2020, le=2100)] = None, month: Annotated[int | None, Query(ge=1, le=12)] = None,
) -> s.UsageOut:
    """Usage totals of a month."""
    return await backend(request).billing.usage(principal, year, month)


@router.get("/billing/invoices", response_model=list[s.InvoiceOut], tags=["billing"])
async def invoices(principal: CurrentPrincipal, request: Request) -> list[s.InvoiceOut]:
    """Invoices."""
    return await backend(request).billing.list_invoices(principal)


@router.post("/billing/invoices", response_model=s.InvoiceOut, status_code=201, tags=["billing"])
async def create_invoice(body: s.InvoiceIn, principal: CurrentPrincipal, request: Request) -> s.InvoiceOut:
    """Close a month into an invoice."""
    return await backend(request).billing.create_invoice(principal, body)


@router.get("/billing/invoices/{invoice_id}", response_model=s.InvoiceOut, tags=["billing"])
async def get_invoice(invoice_id: str, principal: CurrentPrincipal, request: Request) -> s.InvoiceOut:
    """One invoice."""
    return await backend(request).billing.get_invoice(principal, invoice_id)


@router.post("/staff/invoices/{invoice_id}/pay", response_model=s.InvoiceOut, tags=["platform staff"])
async def staff_mark_paid(invoice_id: str, principal: CurrentPrincipal, request: Request) -> s.InvoiceOut:
    """Record an out-of-band payment (platform operators only; never a tenant role)."""
    return await backend(request).billing.staff_mark_paid(principal, invoice_id)


@router.put("/staff/organizations/{organization_id}/subscription", response_model=s.SubscriptionOut,
            tags=["platform staff"])
async def staff_set_plan(organization_id: str, body: s.PlanChangeIn, principal: CurrentPrincipal,
                         request: Request) -> s.SubscriptionOut:
    """Put an organisation on a plan after an out-of-band payment (platform operators only)."""
    return await backend(request).billing.staff_set_plan(principal, organization_id, body)


@router.get("/staff/audit", response_model=list[s.StaffAuditOut], tags=["platform staff"])
async def staff_audit(principal: CurrentPrincipal, request: Request,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[s.StaffAuditOut]:
    """The platform operators' own audit trail (platform operators only)."""
    return await backend(request).billing.staff_audit_log(principal, limit)


@router.post("/billing/webhooks/stripe", tags=["billing"])
async def stripe_webhook(request: Request) -> dict[str, str]:
    """Stripe-compatible payment events (signature in `Stripe-Signature`; replays are acknowledged once)."""
    payload = await request.body()
    signature = request.headers.get("stripe-signature", "")
    return await backend(request).billing.handle_stripe_webhook(payload, signature)


@router.get("/graphics/templates", response_model=list[s.TemplateOut], tags=["graphics"])
async def templates(principal: CurrentPrincipal, request: Request) -> list[s.TemplateOut]:
    """Skins available for rendering."""
    from ggpgfx.services.graphics import list_templates

    principal.require("viewer")
    return [s.TemplateOut(**t) for t in await asyncio.to_thread(list_templates)]


@router.post("/graphics/render", response_class=Response, tags=["graphics"],
             responses={200: {"content": {"image/png": {}}, "description": "A PNG still"}})
async def render(body: s.RenderIn, principal: CurrentPrincipal, request: Request) -> Response:
    """Render a PNG still of a TableState with a skin."""
    from ggpgfx.services.graphics import render_png

    principal.require("producer")
    job_id, png = await asyncio.to_thread(
        render_png, request.app.state.render_jobs, principal.organization_id, body.table_state, body.skin,
        (body.width, body.height), body.reveal)
    return Response(content=png, media_type="image/png", headers={"x-render-job": job_id})
