"""What other services tell us about a customer, and what we make of it.

Event handlers keep copies of opportunities, orders, payments, tickets and
users; from those copies come the recycling facts on each customer, its tier
(with the figures that explain it) and the 360° view. Nothing here reads
another service's database or calls it.

Events may arrive twice (under another id too) or out of order: every copy is
keyed by the other service's id and merged field by field, so the result does
not depend on the order of arrival.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow
from crm_shared.events import Event, parse_time
from crm_shared.schemas import format_amount

from . import access, store, tiers
from .commands import present_one
from .models import (
    Contact,
    Customer,
    FollowUp,
    OpportunityCopy,
    OrderCopy,
    OwnershipChange,
    PaymentCopy,
    Task,
    TicketCopy,
    User,
    Visit,
)

TIERS_KEY = "tiers"


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# ---------------------------------------------------------------- users


def upsert_user(session: Session, event: Event) -> None:
    """Keep the gateway's user as the newest event says (older events change nothing)."""
    data = event.data
    user_id = uuid.UUID(data["user_id"])
    user = session.get(User, user_id)
    if user is not None and user.updated_at > event.time:
        return  # a newer state arrived first
    if user is None:
        user = User(id=user_id)
        session.add(user)
    user.username = data["username"]
    user.roles = list(data["roles"])
    user.team_id = _uuid(data.get("team_id"))
    user.active = bool(data["active"])
    user.updated_at = event.time


# ---------------------------------------------------------------- copies


def on_opportunity_created(session: Session, data: dict[str, Any]) -> uuid.UUID:
    """Record an opportunity; a won/lost state that arrived earlier is kept."""
    opp = session.get(OpportunityCopy, uuid.UUID(data["opportunity_id"]))
    if opp is None:
        opp = OpportunityCopy(id=uuid.UUID(data["opportunity_id"]), status="open")
        session.add(opp)
    opp.customer_id = uuid.UUID(data["customer_id"])
    opp.name = data["name"]
    if opp.status == "open" or opp.amount is None:
        opp.amount, opp.currency = Decimal(data["amount"]), data["currency"]
    opp.owner_id = opp.owner_id or _uuid(data["owner_id"])
    opp.created_at = parse_time(data["created_at"])
    return opp.customer_id


def on_deal_closed(session: Session, data: dict[str, Any], won: bool) -> uuid.UUID:
    """Record a deal won or lost; won is final (a late 'lost' does not undo it)."""
    opp = session.get(OpportunityCopy, uuid.UUID(data["opportunity_id"]))
    if opp is None:
        opp = OpportunityCopy(id=uuid.UUID(data["opportunity_id"]), status="open")
        session.add(opp)
    opp.customer_id = uuid.UUID(data["customer_id"])
    opp.owner_id = _uuid(data["owner_id"])
    if data.get("name"):
        opp.name = data["name"]
    if data.get("amount") and data.get("currency"):
        opp.amount, opp.currency = Decimal(data["amount"]), data["currency"]
    if won:
        opp.status = "won"
        opp.won_at = parse_time(data["won_at"])
    elif opp.status != "won":
        opp.status = "lost"
        opp.lost_at = parse_time(data["lost_at"])
        opp.lost_reason = data.get("reason")
    return opp.customer_id


def on_order_created(session: Session, data: dict[str, Any]) -> uuid.UUID:
    """Record an order once."""
    order_id = uuid.UUID(data["order_id"])
    customer_id = uuid.UUID(data["customer_id"])
    if session.get(OrderCopy, order_id) is None:
        session.add(
            OrderCopy(
                id=order_id,
                customer_id=customer_id,
                opportunity_id=_uuid(data.get("opportunity_id")),
                amount=Decimal(data["amount"]),
                currency=data["currency"],
                owner_id=_uuid(data["owner_id"]),
                created_at=parse_time(data["created_at"]),
            )
        )
    return customer_id


def on_payment_received(session: Session, data: dict[str, Any]) -> uuid.UUID:
    """Record a payment once."""
    payment_id = uuid.UUID(data["payment_id"])
    customer_id = uuid.UUID(data["customer_id"])
    if session.get(PaymentCopy, payment_id) is None:
        session.add(
            PaymentCopy(
                id=payment_id,
                customer_id=customer_id,
                order_id=uuid.UUID(data["order_id"]),
                amount=Decimal(data["amount"]),
                currency=data["currency"],
                received_at=parse_time(data["received_at"]),
            )
        )
    return customer_id


def on_ticket(session: Session, data: dict[str, Any], closed: bool) -> uuid.UUID:
    """Record a ticket opened or closed; closed is final whatever arrives later."""
    ticket = session.get(TicketCopy, uuid.UUID(data["ticket_id"]))
    if ticket is None:
        ticket = TicketCopy(id=uuid.UUID(data["ticket_id"]), status="open")
        session.add(ticket)
    ticket.customer_id = uuid.UUID(data["customer_id"])
    if data.get("subject"):
        ticket.subject = data["subject"][:300]
    if data.get("opened_at"):
        ticket.opened_at = parse_time(data["opened_at"])
    if closed:
        ticket.status = "closed"
        ticket.closed_at = parse_time(data["closed_at"])
        ticket.satisfaction = data.get("satisfaction")
    return ticket.customer_id


# ---------------------------------------------------------------- facts and tiers


def thresholds(session: Session) -> tiers.Thresholds:
    """The tier thresholds in force."""
    return tiers.Thresholds.from_dict(store.get_setting(session, TIERS_KEY))


def set_thresholds(
    session: Session, principal: Principal, data: dict[str, Any]
) -> tiers.Thresholds:
    """Change some thresholds; the others keep their values."""
    merged = {**thresholds(session).to_dict(), **data}
    store.put_setting(session, TIERS_KEY, merged, principal.id)
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


# ---------------------------------------------------------------- 360° view


def _totals(rows: list[tuple[Decimal, str]]) -> list[dict[str, str]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in rows:
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
    from .activities import _masked_contact
    from .commands import hidden_for

    customer, r = access.load(session, principal, customer_id)
    hidden = hidden_for(r, customer, store.hidden_fields_by_pool(session))
    recent = 20
    contacts = (
        []
        if "contacts" in hidden
        else [
            _masked_contact(c, hidden)
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
        "tier": customer.tier_explanation
        or {"tier": customer.tier, "reasons": ["not computed yet"], "figures": {}},
    }
