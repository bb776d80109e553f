"""Service-desk reports over a period: volume, response and resolution times in
business minutes, SLA compliance, backlog age and CSAT — within the caller's scope."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow

from .models import Message, Survey, Ticket
from .rules.report_figures import backlog_ages, compliance, median, percentile
from .sla import SlaReader
from .tickets import visible

OPEN = ("new", "open", "pending")


def report(
    session: Session,
    principal: Principal,
    since: datetime,
    until: datetime,
    *,
    group_id: uuid.UUID | None = None,
    assignee_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Figures for tickets opened in [since, until) the caller may see."""
    now = utcnow()
    scope = [visible(principal)]
    if group_id:
        scope.append(Ticket.group_id == group_id)
    if assignee_id:
        scope.append(Ticket.assignee_id == assignee_id)
    tickets = list(
        session.scalars(
            select(Ticket).where(Ticket.opened_at >= since, Ticket.opened_at < until, *scope)
        )
    )
    reader = SlaReader(session)
    clocks = reader.clocks_for(tickets, now)
    first_reply = dict(
        session.execute(
            select(Message.ticket_id, func.min(Message.created_at))
            .where(
                Message.ticket_id.in_([t.id for t in tickets]),
                Message.visibility == "public",
                Message.author_kind == "agent",
            )
            .group_by(Message.ticket_id)
        ).all()
    )
    frt: list[float] = []
    resolution: list[float] = []
    sla: dict[str, dict[str, Counter[str]]] = {
        "policy": defaultdict(Counter),
        "group": defaultdict(Counter),
        "agent": defaultdict(Counter),
    }
    for ticket in tickets:
        policy, ticket_clocks = clocks[ticket.id]
        by_name = {c.name: c for c in ticket_clocks}
        if ticket.id in first_reply and "first_response" in by_name:
            frt.append(by_name["first_response"].elapsed_minutes)
        if ticket.resolved_at is not None and "resolution" in by_name:
            resolution.append(by_name["resolution"].elapsed_minutes)
        for clock in ticket_clocks:
            if clock.state not in ("met", "breached"):
                continue
            for kind, key in (
                ("policy", policy.name if policy else None),
                ("group", ticket.group_id),
                ("agent", ticket.assignee_id),
            ):
                if key is not None:
                    sla[kind][str(key)][clock.state] += 1
    backlog = list(session.scalars(select(Ticket.opened_at).where(Ticket.status.in_(OPEN), *scope)))
    rated = [t.satisfaction for t in tickets if t.satisfaction is not None]
    sent = list(
        session.execute(
            select(Survey.answered_at).where(Survey.ticket_id.in_([t.id for t in tickets]))
        ).scalars()
    )
    return {
        "since": since,
        "until": until,
        "volume": {
            "total": len(tickets),
            "by_channel": dict(Counter(t.channel for t in tickets)),
            "by_category": dict(Counter(t.category or "" for t in tickets)),
            "by_priority": dict(Counter(t.priority for t in tickets)),
        },
        "first_response_minutes": {"median": median(frt), "p90": percentile(frt, 0.9)},
        "resolution_minutes": {
            "median": median(resolution),
            "p90": percentile(resolution, 0.9),
        },
        "sla_compliance": {
            kind: {
                key: {
                    "met": counts["met"],
                    "breached": counts["breached"],
                    "rate": compliance(counts["met"], counts["breached"]),
                }
                for key, counts in rows.items()
            }
            for kind, rows in sla.items()
        },
        "backlog": {
            "open": len(backlog),
            "ages": backlog_ages(backlog, now),
            "oldest_opened_at": min(backlog) if backlog else None,
        },
        "csat": {
            "rated": len(rated),
            "average": round(sum(rated) / len(rated), 2) if rated else None,
            "surveys_sent": len(sent),
            "response_rate": (
                round(sum(1 for a in sent if a is not None) / len(sent), 4) if sent else None
            ),
        },
    }
