"""Closing a month: true-ups so the ledger pays exactly what the plan says, and the figures out."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden
from crm_shared.schemas import format_amount

from . import ledger, plans
from .models import LedgerLine, PerformanceFact, Period
from .rules.performance import (
    COLLECTED,
    NEW_CUSTOMER,
    QUALIFIED_LEAD,
    REFUNDED,
    SATISFACTION,
    WON,
    gate_met,
)

CLOSERS = ("admin", "finance")


def state(session: Session, month: str) -> Period:
    """A month's state row (open when never touched)."""
    return session.get(Period, month) or Period(month=month, status="open")


def _actuals(session: Session, month: str) -> dict[uuid.UUID, dict[str, Any]]:
    rows = session.execute(
        select(
            PerformanceFact.owner_id,
            PerformanceFact.kind,
            PerformanceFact.currency,
            func.count(),
            func.sum(PerformanceFact.amount),
            func.sum(PerformanceFact.satisfaction),
            func.max(cast(PerformanceFact.team_id, String)),
        )
        .where(PerformanceFact.period == month)
        .group_by(PerformanceFact.owner_id, PerformanceFact.kind, PerformanceFact.currency)
    ).all()
    out: dict[uuid.UUID, dict[str, Any]] = defaultdict(
        lambda: {
            "won": defaultdict(Decimal),
            "collected": defaultdict(Decimal),
            "deals_won": 0,
            "qualified_leads": 0,
            "new_customers": 0,
            "ratings": [0, 0],
            "team_id": None,
        }
    )
    for owner, kind, currency, count, amount, sat_sum, team in rows:
        entry = out[owner]
        entry["team_id"] = entry["team_id"] or (uuid.UUID(team) if team else None)
        if kind == WON and currency:
            entry["won"][currency] += Decimal(amount or 0)
            entry["deals_won"] += count
        elif kind == COLLECTED and currency:
            entry["collected"][currency] += Decimal(amount or 0)
        elif kind == REFUNDED and currency:
            entry["collected"][currency] -= Decimal(amount or 0)
        elif kind == QUALIFIED_LEAD:
            entry["qualified_leads"] += count
        elif kind == NEW_CUSTOMER:
            entry["new_customers"] += count
        elif kind == SATISFACTION:
            entry["ratings"][0] += int(sat_sum or 0)
            entry["ratings"][1] += count
    return out


def _avg(ratings: list[int]) -> Decimal | None:
    total, count = ratings
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01")) if count else None


def close(
    session: Session, principal: Principal, month: str, default_currency: str
) -> dict[str, Any]:
    """Close ``month``: write true-up lines, lock it, publish ``performance.calculated`` per rep.

    Events for a closed month land afterwards in the month they arrive in, as
    adjustments.
    """
    if not principal.has_role(*CLOSERS):
        raise Forbidden("only finance and admins close a period")
    current = session.get(Period, month, with_for_update=True)
    if current is not None and current.status == "closed":
        raise Conflict(f"period {month} is already closed")
    actuals = _actuals(session, month)
    active = plans.active_plans(session)
    accelerated: dict[uuid.UUID, bool] = {}
    for owner, figures in actuals.items():
        plan = plans.choose(active, figures["team_id"], default_currency) or next(
            (p for p in active if p.team_id in (None, figures["team_id"])), None
        )
        card = plans.scorecard_of(plan) if plan else None
        if card is not None:
            accelerated[owner] = gate_met(card, {"avg_satisfaction": _avg(figures["ratings"])})
    made = ledger.true_ups(session, month, accelerated)
    commission: dict[tuple[uuid.UUID, str], Decimal] = {
        (owner, currency): Decimal(total or 0)
        for owner, currency, total in session.execute(
            select(LedgerLine.owner_id, LedgerLine.currency, func.sum(LedgerLine.amount))
            .where(LedgerLine.period == month)
            .group_by(LedgerLine.owner_id, LedgerLine.currency)
        ).all()
    }
    now = utcnow()
    if current is None:
        current = Period(month=month)
        session.add(current)
    current.status, current.closed_at, current.closed_by = "closed", now, principal.id
    for owner, figures in actuals.items():
        currencies = (
            set(figures["won"])
            | set(figures["collected"])
            | {c for (o, c) in commission if o == owner}
        )
        headline = (
            next(iter(sorted(currencies)), default_currency)
            if len(currencies) == 1
            else default_currency
        )
        outbox.publish(
            session,
            "performance.calculated",
            {
                "period": month,
                "owner_id": str(owner),
                "team_id": str(figures["team_id"]) if figures["team_id"] else None,
                "currency": headline,
                "won_amount": format_amount(figures["won"].get(headline, Decimal(0)), headline),
                "collected_amount": format_amount(
                    figures["collected"].get(headline, Decimal(0)), headline
                ),
                "deals_won": figures["deals_won"],
                "qualified_leads": figures["qualified_leads"],
                "new_customers": figures["new_customers"],
                "avg_satisfaction": None
                if _avg(figures["ratings"]) is None
                else str(_avg(figures["ratings"])),
                "commission": format_amount(
                    commission.get((owner, headline), Decimal(0)), headline
                ),
                "calculated_at": now.isoformat(),
            },
            subject=str(owner),
        )
    return {
        "period": month,
        "status": "closed",
        "closed_at": now,
        "reps": len(actuals),
        "true_up_lines": len(made),
    }
