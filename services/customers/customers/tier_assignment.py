"""Tier assignment over the database: thresholds, classifying customers, refreshing tiers.

The tier rules are in :mod:`customers.rules.tiers`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow

from . import access, runtime_settings
from .models import (
    Customer,
    OpportunityCopy,
    PaymentCopy,
    TicketCopy,
)
from .rules import tiers

TIERS_KEY = "tiers"


def thresholds(session: Session) -> tiers.Thresholds:
    """The tier thresholds in force."""
    return tiers.Thresholds.from_dict(runtime_settings.get_setting(session, TIERS_KEY))


def set_thresholds(
    session: Session, principal: Principal, data: dict[str, Any]
) -> tiers.Thresholds:
    """Change some thresholds; the others keep their values."""
    merged = {**thresholds(session).to_dict(), **data}
    runtime_settings.put_setting(session, TIERS_KEY, merged, principal.id)
    return tiers.Thresholds.from_dict(merged)


def classify(
    session: Session, customer_id: uuid.UUID, limits: tiers.Thresholds, now: datetime
) -> tiers.Classification:
    """The tier of one customer from its copies."""
    deals = [
        tiers.Money(row.won_at, row.amount, row.currency)
        for row in session.execute(
            select(OpportunityCopy.won_at, OpportunityCopy.amount, OpportunityCopy.currency).where(
                OpportunityCopy.customer_id == customer_id,
                OpportunityCopy.status == "won",
                OpportunityCopy.amount.is_not(None),
            )
        )
    ]
    payments = [
        tiers.Money(row.received_at, row.amount, row.currency)
        for row in session.execute(
            select(PaymentCopy.received_at, PaymentCopy.amount, PaymentCopy.currency).where(
                PaymentCopy.customer_id == customer_id
            )
        )
    ]
    tickets_ = [
        tiers.Ticket(row.opened_at, row.closed_at, row.satisfaction)
        for row in session.execute(
            select(TicketCopy.opened_at, TicketCopy.closed_at, TicketCopy.satisfaction).where(
                TicketCopy.customer_id == customer_id
            )
        )
    ]
    return tiers.classify(deals, payments, tickets_, limits, now)


def refresh(session: Session, customer_id: uuid.UUID, now: datetime | None = None) -> None:
    """Recompute a customer's deal facts and tier from the copies.

    The version grows when a fact the recycling rules read changes, so a
    recycle judged on the old facts updates nothing.
    """
    customer = session.get(Customer, customer_id)
    if customer is None:
        return  # not ours (yet); the copies wait for it
    now = now or utcnow()
    opened, won, last_created, last_won = session.execute(
        select(
            func.count().filter(OpportunityCopy.status == "open"),
            func.count().filter(OpportunityCopy.status == "won"),
            func.max(OpportunityCopy.created_at),
            func.max(OpportunityCopy.won_at),
        ).where(OpportunityCopy.customer_id == customer_id)
    ).one()
    limits = thresholds(session)
    result = classify(session, customer_id, limits, now)
    value = sum(
        (
            amount
            for amount, currency in session.execute(
                select(OpportunityCopy.amount, OpportunityCopy.currency).where(
                    OpportunityCopy.customer_id == customer_id, OpportunityCopy.status == "won"
                )
            )
            if amount is not None and currency == limits.currency
        ),
        Decimal(0),
    )
    facts = (opened or 0, won or 0, last_created, last_won, result.tier)
    before = (
        customer.open_opportunities,
        customer.won_deals,
        customer.last_opportunity_at,
        customer.last_won_at,
        customer.tier,
    )
    if facts != before:
        customer.version = Customer.version + 1
    if result.tier != customer.tier:
        outbox.publish(
            session,
            "customer.tier_changed",
            {
                "customer_id": customer.id,
                "tier": result.tier,
                "previous_tier": customer.tier,
                "owner_id": customer.owner_id,
                "changed_at": now,
            },
            subject=customer.id,
        )
    (
        customer.open_opportunities,
        customer.won_deals,
        customer.last_opportunity_at,
        customer.last_won_at,
        customer.tier,
    ) = facts
    customer.value = value
    customer.tier_explanation = result.to_dict(limits, now)
    customer.tier_computed_at = now
    session.flush()


def refresh_all(db: Database, _settings: Any = None, batch: int = 500) -> int:
    """Recompute every customer's tier (recency moves with time); one transaction per batch."""
    done, after = 0, None
    while True:
        with db.transaction() as session:
            statement = select(Customer.id).order_by(Customer.id).limit(batch)
            if after is not None:
                statement = statement.where(Customer.id > after)
            ids = list(session.scalars(statement))
            now = utcnow()
            for customer_id in ids:
                refresh(session, customer_id, now)
        done += len(ids)
        if len(ids) < batch:
            return done
        after = ids[-1]


def recompute(session: Session) -> int:
    """Recompute every customer's tier in the caller's transaction (after new thresholds)."""
    now = utcnow()
    ids = list(session.scalars(select(Customer.id).order_by(Customer.id)))
    for customer_id in ids:
        refresh(session, customer_id, now)
    return len(ids)


def tier_summary(session: Session, principal: Principal) -> dict[str, int]:
    """How many of the customers the caller sees are in each tier."""
    r = access.reach(session, principal)
    counts = dict(
        session.execute(
            select(Customer.tier, func.count())
            .where(access.visible_clause(r))
            .group_by(Customer.tier)
        ).all()
    )
    return {tier: int(counts.get(tier, 0)) for tier in tiers.TIERS}


def tier_of(session: Session, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """A customer's tier and the figures that put it there (computed now if never computed)."""
    customer, _ = access.load(session, principal, customer_id)
    if customer.tier_explanation is None:
        limits = thresholds(session)
        now = utcnow()
        return {
            "customer_id": customer.id,
            **classify(session, customer.id, limits, now).to_dict(limits, now),
        }
    return {"customer_id": customer.id, **customer.tier_explanation}
