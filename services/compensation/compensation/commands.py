"""What the compensation service does, over the database."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import NotFound
from crm_shared.events import parse_time
from crm_shared.schemas import format_amount

from .models import PerformanceFact
from .performance import Fact, period_of, summarize


def record(
    session: Session,
    *,
    kind: str,
    ref_id: str,
    owner_id: str,
    team_id: str | None,
    at: str,
    amount: str | None = None,
    currency: str | None = None,
    satisfaction: int | None = None,
) -> bool:
    """Record a fact unless this deal, payment or ticket already counted."""
    ref = uuid.UUID(ref_id)
    exists = session.scalar(
        select(PerformanceFact.id).where(
            PerformanceFact.kind == kind, PerformanceFact.ref_id == ref
        )
    )
    if exists is not None:
        return False
    occurred = parse_time(at)
    session.add(
        PerformanceFact(
            kind=kind,
            ref_id=ref,
            owner_id=uuid.UUID(owner_id),
            team_id=uuid.UUID(team_id) if team_id else None,
            period=period_of(occurred),
            amount=Decimal(amount) if amount is not None else None,
            currency=currency,
            satisfaction=satisfaction,
            occurred_at=occurred,
        )
    )
    return True


def performance(
    session: Session,
    principal: Principal,
    owner_id: uuid.UUID | None,
    period: str | None,
    currency: str | None,
    default_currency: str,
) -> dict[str, Any]:
    """A rep's won, collected and satisfaction figures for a month."""
    owner = owner_id or principal.id
    if principal.scope is Scope.OWN and owner != principal.id:
        raise NotFound("no performance visible for that person")
    month = period or period_of(utcnow())
    rows = session.scalars(
        select(PerformanceFact).where(
            and_(
                PerformanceFact.owner_id == owner,
                PerformanceFact.period == month,
                scope_clause(principal, PerformanceFact.owner_id, PerformanceFact.team_id),
            )
        )
    ).all()
    summary = summarize(Fact(r.kind, r.amount, r.currency, r.satisfaction) for r in rows)
    headline = summary.currency_for(currency, default_currency)
    totals = summary.by_currency.get(headline)
    return {
        "owner_id": owner,
        "period": month,
        "currency": headline,
        "won_amount": format_amount(totals.won if totals else Decimal(0), headline),
        "collected_amount": format_amount(totals.collected if totals else Decimal(0), headline),
        "deals_won": summary.deals_won,
        "payments": summary.payments,
        "rated_tickets": summary.rated_tickets,
        "avg_satisfaction": summary.avg_satisfaction,
        "totals": [
            {
                "currency": code,
                "won_amount": format_amount(t.won, code),
                "collected_amount": format_amount(t.collected, code),
            }
            for code, t in sorted(summary.by_currency.items())
        ],
    }
