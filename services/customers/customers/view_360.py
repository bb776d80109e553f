"""The 360° view of a customer: everything this service knows, in one request."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.schemas import format_amount

from . import access, lookups
from .contacts import masked_contact
from .models import (
    Contact,
    CreditRatingCopy,
    FollowUp,
    OpportunityCopy,
    OrderCopy,
    OwnershipChange,
    PaymentCopy,
    Task,
    TicketCopy,
    Visit,
)
from .presenting import hidden_for, present_one


def _totals(rows: list[tuple[Decimal, str | None]]) -> list[dict[str, str]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in rows:
        if currency is None:  # an amount without its currency cannot be added to any total
            continue
        sums[currency] += amount
    return [
        {"currency": currency, "amount": format_amount(total, currency)}
        for currency, total in sorted(sums.items())
    ]


def view_360(session: Session, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """Everything known about a customer, from this service's own tables, in one request.

    A fixed number of queries whatever the customer's history (no query per
    row); long histories are cut to the most recent entries, with counts and
    totals over all of them.
    """
    customer, r = access.load(session, principal, customer_id)
    hidden = hidden_for(r, customer, lookups.hidden_fields_by_pool(session))
    recent = 20
    contacts = (
        []
        if "contacts" in hidden
        else [
            masked_contact(c, hidden)
            for c in session.scalars(
                select(Contact)
                .where(Contact.customer_id == customer_id)
                .order_by(Contact.is_primary.desc(), Contact.created_at)
            )
        ]
    )
    history = session.scalars(
        select(OwnershipChange)
        .where(OwnershipChange.customer_id == customer_id)
        .order_by(OwnershipChange.at.desc(), OwnershipChange.id)
        .limit(50)
    ).all()
    followup_count = session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.customer_id == customer_id)
    )
    followups = session.scalars(
        select(FollowUp)
        .where(FollowUp.customer_id == customer_id)
        .order_by(FollowUp.occurred_at.desc(), FollowUp.id)
        .limit(recent)
    ).all()
    visit_count = session.scalar(
        select(func.count()).select_from(Visit).where(Visit.customer_id == customer_id)
    )
    visits = session.scalars(
        select(Visit)
        .where(Visit.customer_id == customer_id)
        .order_by(Visit.check_in_at.desc(), Visit.id)
        .limit(recent)
    ).all()
    tasks = session.scalars(
        select(Task)
        .where(Task.customer_id == customer_id, Task.completed_at.is_(None))
        .order_by(Task.due_at, Task.id)
        .limit(recent)
    ).all()
    opportunities = session.scalars(
        select(OpportunityCopy)
        .where(OpportunityCopy.customer_id == customer_id)
        .order_by(OpportunityCopy.created_at.desc().nulls_last(), OpportunityCopy.id)
    ).all()
    orders = session.scalars(
        select(OrderCopy)
        .where(OrderCopy.customer_id == customer_id)
        .order_by(OrderCopy.created_at.desc(), OrderCopy.id)
    ).all()
    payments = session.scalars(
        select(PaymentCopy)
        .where(PaymentCopy.customer_id == customer_id)
        .order_by(PaymentCopy.received_at.desc(), PaymentCopy.id)
    ).all()
    tickets_ = session.scalars(
        select(TicketCopy)
        .where(TicketCopy.customer_id == customer_id)
        .order_by(TicketCopy.opened_at.desc().nulls_last(), TicketCopy.id)
    ).all()
    rated = [t.satisfaction for t in tickets_ if t.satisfaction is not None]
    open_opps = [o for o in opportunities if o.status == "open"]
    won_opps = [o for o in opportunities if o.status == "won"]
    return {
        "profile": present_one(session, r, customer),
        "contacts": contacts,
        "owner_history": history,
        "followups": {"total": followup_count or 0, "recent": followups},
        "visits": {"total": visit_count or 0, "recent": visits},
        "open_tasks": tasks,
        "opportunities": {
            "open": open_opps,
            "won": won_opps,
            "lost": [o for o in opportunities if o.status == "lost"],
            "open_total": _totals(
                [(o.amount, o.currency) for o in open_opps if o.amount is not None]
            ),
            "won_total": _totals(
                [(o.amount, o.currency) for o in won_opps if o.amount is not None]
            ),
        },
        "orders": {
            "total": len(orders),
            "recent": orders[:50],
            "amount_total": _totals([(o.amount, o.currency) for o in orders]),
        },
        "payments": {
            "total": len(payments),
            "recent": payments[:50],
            "amount_total": _totals([(p.amount, p.currency) for p in payments]),
        },
        "tickets": {
            "total": len(tickets_),
            "open": sum(1 for t in tickets_ if t.status == "open"),
            "recent": tickets_[:50],
            "rated": len(rated),
            "average_satisfaction": round(sum(rated) / len(rated), 2) if rated else None,
        },
        "credit": _credit(session, customer_id),
        "tier": customer.tier_explanation
        or {"tier": customer.tier, "reasons": ["not computed yet"], "figures": {}},
    }


def _credit(session: Session, customer_id: uuid.UUID) -> dict[str, Any] | None:
    """The newest credit rating from orders (``customer.credit_rated``), if any."""
    copy = session.get(CreditRatingCopy, customer_id)
    if copy is None:
        return None
    return {
        "risk": copy.risk,
        "currency": copy.currency,
        "rated_at": copy.rated_at,
        **copy.figures,
    }
