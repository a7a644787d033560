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
    result: s.StreamOut = await backend(request).call("streams", "start", principal, body)
    return result


@router.post("/streams/stop", response_model=s.StreamOut, tags=["streams"])
async def stop_stream(body: s.StreamStopIn, principal: CurrentPrincipal, request: Request) -> s.StreamOut:
    """Stop a stream."""
    result: s.StreamOut = await backend(request).call("streams", "stop", principal, body)
    return result


@router.get("/streams/status", response_model=list[s.StreamOut], tags=["streams"])
async def stream_status(
    principal: CurrentPrincipal, request: Request,
    project_id: Annotated[str | None, Query(max_length=32)] = None, active: bool = False,
) -> list[s.StreamOut]:
    """Streams of my organisation with live per-node metrics."""
    result: list[s.StreamOut] = await backend(request).call("streams", "status", principal, project_id, active)
    return result


@router.get("/streams/{stream_id}", response_model=s.StreamOut, tags=["streams"])
async def get_stream(stream_id: str, principal: CurrentPrincipal, request: Request) -> s.StreamOut:
    """One stream."""
    result: s.StreamOut = await backend(request).call("streams", "get", principal, stream_id)
    return result


@router.get("/billing/plans", response_model=list[s.PlanOut], tags=["billing"])
async def plans(principal: CurrentPrincipal, request: Request) -> list[s.PlanOut]:
    """The plan catalogue."""
    result: list[s.PlanOut] = await backend(request).call("billing", "list_plans")
    return result


@router.get("/billing/subscription", response_model=s.SubscriptionOut, tags=["billing"])
async def subscription(principal: CurrentPrincipal, request: Request) -> s.SubscriptionOut:
    """My organisation's plan."""
    result: s.SubscriptionOut = await backend(request).call("billing", "get_subscription", principal)
    return result


@router.put("/billing/subscription", response_model=s.SubscriptionOut, tags=["billing"])
async def change_plan(body: s.PlanChangeIn, principal: CurrentPrincipal, request: Request) -> s.SubscriptionOut:
    """Ask for a plan (owner): an upgrade starts a checkout and waits for the provider's confirmation,
    a downgrade is scheduled for the period's end."""
    result: s.SubscriptionOut = await backend(request).call("billing", "change_plan", principal, body)
    return result


@router.get("/billing/usage", response_model=s.UsageOut, tags=["billing"])
async def usage(
    principal: CurrentPrincipal, request: Request,
    year: Annotated[int | None, Query(ge=2020, le=2100)] = None, month: Annotated[int | None, Query(ge=1, le=12)] = None,
) -> s.UsageOut:
    """Usage totals of a month."""
    result: s.UsageOut = await backend(request).call("billing", "usage", principal, year, month)
    return result


@router.get("/billing/invoices", response_model=list[s.InvoiceOut], tags=["billing"])
async def invoices(principal: CurrentPrincipal, request: Request) -> list[s.InvoiceOut]:
    """Invoices."""
    result: list[s.InvoiceOut] = await backend(request).call("billing", "list_invoices", principal)
    return result


@router.post("/billing/invoices", response_model=s.InvoiceOut, status_code=201, tags=["billing"])
async def create_invoice(body: s.InvoiceIn, principal: CurrentPrincipal, request: Request) -> s.InvoiceOut:
    """Close a month into an invoice."""
    result: s.InvoiceOut = await backend(request).call("billing", "create_invoice", principal, body)
    return result


@router.get("/billing/invoices/{invoice_id}", response_model=s.InvoiceOut, tags=["billing"])
async def get_invoice(invoice_id: str, principal: CurrentPrincipal, request: Request) -> s.InvoiceOut:
    """One invoice."""
    result: s.InvoiceOut = await backend(request).call("billing", "get_invoice", principal, invoice_id)
    return result


@router.post("/staff/invoices/{invoice_id}/pay", response_model=s.InvoiceOut, tags=["platform staff"])
async def staff_mark_paid(invoice_id: str, principal: CurrentPrincipal, request: Request) -> s.InvoiceOut:
    """Record an out-of-band payment (platform operators only; never a tenant role)."""
    result: s.InvoiceOut = await backend(request).call("billing", "staff_mark_paid", principal, invoice_id)
    return result


@router.put("/staff/organizations/{organization_id}/subscription", response_model=s.SubscriptionOut,
            tags=["platform staff"])
async def staff_set_plan(organization_id: str, body: s.PlanChangeIn, principal: CurrentPrincipal,
                         request: Request) -> s.SubscriptionOut:
    """Put an organisation on a plan after an out-of-band payment (platform operators only)."""
    result: s.SubscriptionOut = await backend(request).call("billing", "staff_set_plan", principal, organization_id, body)
    return result


@router.get("/staff/audit", response_model=list[s.StaffAuditOut], tags=["platform staff"])
async def staff_audit(principal: CurrentPrincipal, request: Request,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[s.StaffAuditOut]:
    """The platform operators' own audit trail (platform operators only)."""
    result: list[s.StaffAuditOut] = await backend(request).call("billing", "staff_audit_log", principal, limit)
    return result


@router.post("/billing/webhooks/stripe", tags=["billing"])
async def stripe_webhook(request: Request) -> dict[str, str]:
    """Stripe-compatible payment events (signature in `Stripe-Signature`; replays are acknowledged once)."""
    payload = await request.body()
    signature = request.headers.get("stripe-signature", "")
    result: dict[str, str] = await backend(request).call("billing", "handle_stripe_webhook", payload, signature)
    return result


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
