"""What other services tell us about a customer: event-fed copies and the facts they set.

Event handlers keep copies of opportunities, orders, payments, tickets and
users; from those copies come the recycling facts on each customer (open
opportunities, won deals, its value). Nothing here reads another service's
database or calls it.

Events may arrive twice (under another id too) or out of order: every copy is
keyed by the other service's id and merged field by field, so the result does
not depend on the order of arrival.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.events import Event, parse_time

from .models import (
    CreditRatingCopy,
    OpportunityCopy,
    OrderCopy,
    PaymentCopy,
    TicketCopy,
    User,
)


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


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
        if ticket.rated_at is None:  # a later rating (ticket.rated) is newer than the close
            ticket.satisfaction = data.get("satisfaction")
    return ticket.customer_id


def on_ticket_rated(session: Session, data: dict[str, Any]) -> uuid.UUID:
    """A rating given after closing: the newest rating counts, whatever the order of arrival."""
    rated_at = parse_time(data["rated_at"])
    ticket = session.get(TicketCopy, uuid.UUID(data["ticket_id"]))
    if ticket is None:  # rated before its open/close reached us: they fill in the rest
        ticket = TicketCopy(
            id=uuid.UUID(data["ticket_id"]),
            status="closed",
            customer_id=uuid.UUID(data["customer_id"]),
        )
        session.add(ticket)
        if data.get("closed_at"):
            ticket.closed_at = parse_time(data["closed_at"])
    if ticket.rated_at is None or rated_at >= ticket.rated_at:
        ticket.satisfaction = int(data["rating"])
        ticket.rated_at = rated_at
    return ticket.customer_id


def on_credit_rated(session: Session, data: dict[str, Any]) -> None:
    """Keep the newest credit rating of a customer for the 360° view."""
    customer_id = uuid.UUID(data["customer_id"])
    rated_at = parse_time(data["rated_at"])
    copy = session.get(CreditRatingCopy, customer_id)
    if copy is not None and copy.rated_at > rated_at:
        return  # an older rating arriving late
    if copy is None:
        copy = CreditRatingCopy(customer_id=customer_id)
        session.add(copy)
    copy.currency = data["currency"]
    copy.risk = data["risk"]
    copy.figures = {
        k: data[k]
        for k in (
            "installments_due",
            "paid_late",
            "share_paid_late",
            "average_days_late",
            "outstanding",
            "overdue",
        )
        if k in data
    }
    copy.rated_at = rated_at
