"""Usage analytics per organisation, project and day, from the rows billing reads.

Stream hours, GPU hours and output gigabytes are sums of `usage_records` (written by the streams
service's metering; invoices add up the same rows), joined to their stream for the project; render minutes
are the usage rows studio render jobs write (`BillingService.record_render`), with their own project. Output hours
by destination are each metered stream minute counted once per destination the stream published to
(`streams.settings.destination_ids`). Hands and tables come from the recorded tournament hands: a stored
PHH text may hold several hands (`[n]` sections), each counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ggpgfx.errors import ServiceError
from ggpgfx.services.models import Destination, Project, Stream, TournamentHand, UsageRecord, utcnow

HAND_HEADER = re.compile(r"^\[\d+\]\s*$", re.MULTILINE)  # a hand's section header in PHHS text


def hands_in_phh(text: str) -> int:
    """How many hands a stored PHH text holds: its `[n]` sections, or one for a single bare hand."""
    return len(HAND_HEADER.findall(text)) or 1


def usage_report(session: Any, organization_id: str, days: int = 30, project_id: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Daily usage rows and totals for the last `days` days (UTC)."""
    if not 1 <= days <= 366:
        raise ServiceError("days must be between 1 and 366", 422)
    end = now or utcnow()
    start = (end - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    project_of = func.coalesce(Stream.project_id, UsageRecord.project_id)  # a stream's, else the record's own
    query = (select(UsageRecord.metric, UsageRecord.quantity, UsageRecord.recorded_at, project_of, Stream.settings)
             .join(Stream, Stream.id == UsageRecord.stream_id, isouter=True)
             .where(UsageRecord.organization_id == organization_id, UsageRecord.recorded_at >= start,
                    UsageRecord.recorded_at <= end))
    if project_id:
        query = query.where(project_of == project_id)
    projects = dict(session.execute(select(Project.id, Project.name).where(
        Project.organization_id == organization_id)).all())
    if project_id and project_id not in projects:
        raise ServiceError(f"project '{project_id}' not found", 404)
    destinations = dict(session.execute(select(Destination.id, Destination.name).where(
        Destination.organization_id == organization_id)).all())
    rows: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_destination: dict[str, float] = defaultdict(float)
    for metric, quantity, recorded_at, project, settings in session.execute(query).all():
        key = (recorded_at.date().isoformat(), project or "")
        if metric == "stream_minutes":
            rows[key]["stream_hours"] += quantity / 60.0
            for destination_id in (settings or {}).get("destination_ids", []):
                name = destinations.get(destination_id, destination_id)
                rows[key][f"output_hours:{name}"] += quantity / 60.0
                by_destination[name] += quantity / 60.0
        elif metric == "gpu_seconds":
            rows[key]["gpu_hours"] += quantity / 3600.0
        elif metric == "output_bytes":
            rows[key]["output_gb"] += quantity / 1e9
        elif metric == "render_minutes":
            rows[key]["render_minutes"] += quantity
    if not project_id:
        hands = session.execute(select(TournamentHand.recorded_at, TournamentHand.table_id, TournamentHand.phh).where(
            TournamentHand.organization_id == organization_id, TournamentHand.recorded_at >= start,
            TournamentHand.recorded_at <= end)).all()
        tables: dict[str, set[str]] = defaultdict(set)
        for recorded_at, table_id, phh in hands:
            day = recorded_at.date().isoformat()
            rows[(day, "")]["hands"] += hands_in_phh(phh)
            if table_id:
                tables[day].add(table_id)
        for day, seen in tables.items():
            rows[(day, "")]["tables"] = float(len(seen))
    daily = [{"day": day, "project_id": project or None, "project": projects.get(project), **dict(values)}
             for (day, project), values in sorted(rows.items())]
    totals: dict[str, float] = defaultdict(float)
    for values in rows.values():
        for metric, quantity in values.items():
            if not metric.startswith("output_hours:"):
                totals[metric] += quantity
    return {"organization_id": organization_id, "start": start.isoformat(), "end": end.isoformat(),
            "project_id": project_id, "daily": daily, "totals": dict(totals),
            "output_hours_by_destination": dict(by_destination)}
