"""The run policy of a tenant's graph: built from the organisation's plan, the caller's role and the settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ggpgfx.policy import RunPolicy, tenant_policy
from ggpgfx.services.config import Settings


def policy_for(settings: Settings, session: Any, organization_id: str, role: str) -> RunPolicy:
    """The policy every graph of this organisation is saved and started under, for a member with `role`."""
    from ggpgfx.services.models import Subscription

    plan = session.scalar(select(Subscription.plan_code).where(Subscription.organization_id == organization_id))
    assets = settings.home / "assets" if settings.asset_backend == "local" else None
    keys = [settings.home / "jwt.key", settings.home / "secret.key"]
    database = settings.database_url.removeprefix("sqlite:///") if settings.database_url.startswith("sqlite") else None
    if database:
        keys.append(settings.home / database if not database.startswith("/") else type(settings.home)(database))
    return tenant_policy(settings.home, organization_id, plan or "free", role,
                         allow_hosts=settings.policy_allow_hosts, asset_root=assets, key_files=keys)
