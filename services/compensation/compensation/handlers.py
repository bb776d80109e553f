"""Events that count toward a rep's performance and commission.

Every handler is idempotent beyond the inbox too (the same deal, payment or
ticket under a new event id counts once) and tolerates events arriving out
of order: the figures after a shuffled, duplicated replay equal the ordered one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.orm import Session

from crm_shared.events import Event, parse_time

from . import ledger
from .models import Deal
from .recording import find, record, record_rating, uid
from .rules.performance import (
    COLLECTED,
    NEW_CUSTOMER,
    QUALIFIED_LEAD,
    REFUNDED,
    WON,
)


def on_deal_won(session: Session, event: Event) -> None:
    """A won deal counts for its owner in the month it was won; its lines weigh commission."""
    data = event.data
    opportunity = uid(data["opportunity_id"])
    owner = uid(data["owner_id"])
    team = uid(data.get("team_id"))
    assert opportunity is not None and owner is not None
    won_at = parse_time(data["won_at"])
    if session.get(Deal, opportunity) is None:
        session.add(
            Deal(
                opportunity_id=opportunity,
                owner_id=owner,
                team_id=team,
                lines=[
                    {"sku": line.get("sku"), "amount": line.get("amount") or _line_amount(line)}
                    for line in data.get("lines") or []
                ],
                won_at=won_at,
            )
        )
    fact = record(
        session,
        kind=WON,
        ref_id=opportunity,
        owner_id=owner,
        team_id=team,
        occurred=won_at,
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        opportunity_id=opportunity,
    )
    if fact is not None:
        ledger.book(
            session,
            kind="accrual",
            base_kind="won",
            ref_id=opportunity,
            source_type=event.type,
            source_event_id=event.id,
            owner_id=owner,
            team_id=team,
            opportunity_id=opportunity,
            period=fact.period,
            amount=fact.amount or Decimal(0),
            currency=data["currency"],
        )


def _line_amount(line: dict[str, str]) -> str:
    quantity = Decimal(line.get("quantity") or 0)
    price = Decimal(line.get("unit_price") or 0)
    discount = Decimal(line.get("discount") or 0)
    return str(quantity * price * (1 - discount / 100))


def on_payment_received(session: Session, event: Event) -> None:
    """Cash collected counts for the order's owner in its month, and accrues commission."""
    data = event.data
    payment = uid(data["payment_id"])
    owner = uid(data["owner_id"])
    assert payment is not None and owner is not None
    team = uid(data.get("team_id"))
    opportunity = uid(data.get("opportunity_id"))
    fact = record(
        session,
        kind=COLLECTED,
        ref_id=payment,
        owner_id=owner,
        team_id=team,
        occurred=parse_time(data["received_at"]),
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        opportunity_id=opportunity,
    )
    if fact is None:
        return
    ledger.book(
        session,
        kind="accrual",
        base_kind="collected",
        ref_id=payment,
        source_type=event.type,
        source_event_id=event.id,
        owner_id=owner,
        team_id=team,
        opportunity_id=opportunity,
        period=fact.period,
        amount=Decimal(data["amount"]),
        currency=data["currency"],
    )


def on_payment_refunded(session: Session, event: Event) -> None:
    """A refund takes collected cash back, and claws back its commission within the window."""
    data = event.data
    refund = uid(data["refund_id"])
    owner = uid(data["owner_id"])
    assert refund is not None and owner is not None
    team = uid(data.get("team_id"))
    opportunity = uid(data.get("opportunity_id"))
    refunded_at = parse_time(data["refunded_at"])
    fact = record(
        session,
        kind=REFUNDED,
        ref_id=refund,
        owner_id=owner,
        team_id=team,
        occurred=refunded_at,
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        opportunity_id=opportunity,
    )
    if fact is None:
        return
    paid_id = uid(data.get("payment_id"))
    original = find(session, COLLECTED, paid_id) if paid_id else None
    ledger.book(
        session,
        kind="clawback",
        base_kind="collected",
        ref_id=refund,
        source_type=event.type,
        source_event_id=event.id,
        owner_id=owner,
        team_id=team,
        opportunity_id=opportunity or (original.opportunity_id if original else None),
        period=fact.period,
        amount=-Decimal(data["amount"]),
        currency=data["currency"],
        received_at=original.occurred_at if original else None,
        occurred_at=refunded_at,
    )


def on_lead_qualified(session: Session, event: Event) -> None:
    """A qualified lead counts for its owner."""
    data = event.data
    lead, owner = uid(data["lead_id"]), uid(data["owner_id"])
    assert lead is not None and owner is not None
    record(
        session,
        kind=QUALIFIED_LEAD,
        ref_id=lead,
        owner_id=owner,
        team_id=uid(data.get("team_id")),
        occurred=parse_time(data["qualified_at"]),
    )


def on_customer_created(session: Session, event: Event) -> None:
    """A new customer is credited to its owner."""
    data = event.data
    customer, owner = uid(data["customer_id"]), uid(data.get("owner_id"))
    if owner is None:
        return  # a pool customer: nobody to credit
    assert customer is not None
    record(
        session,
        kind=NEW_CUSTOMER,
        ref_id=customer,
        owner_id=owner,
        team_id=uid(data.get("team_id")),
        occurred=parse_time(data["created_at"]),
    )


def on_ticket_closed(session: Session, event: Event) -> None:
    """A rated ticket counts toward the satisfaction of the customer's owner."""
    data = event.data
    owner = uid(data.get("customer_owner_id"))
    if owner is None or data.get("satisfaction") is None:
        return  # a pool customer's ticket, or an unrated one: nobody to credit
    ticket = uid(data["ticket_id"])
    assert ticket is not None
    closed = parse_time(data["closed_at"])
    record_rating(
        session,
        ticket_id=ticket,
        owner_id=owner,
        team_id=uid(data.get("customer_team_id")),
        rated_at=closed,
        rating=int(data["satisfaction"]),
        closed_at=closed,
    )


def on_ticket_rated(session: Session, event: Event) -> None:
    """A rating given after closing (or a correction): the newest one counts."""
    data = event.data
    owner = uid(data.get("customer_owner_id"))
    if owner is None:
        return
    ticket = uid(data["ticket_id"])
    assert ticket is not None
    record_rating(
        session,
        ticket_id=ticket,
        owner_id=owner,
        team_id=uid(data.get("customer_team_id")),
        rated_at=parse_time(data["rated_at"]),
        rating=int(data["rating"]),
        closed_at=parse_time(data["closed_at"]) if data.get("closed_at") else None,
    )


HANDLERS: dict[str, Callable[[Session, Event], None]] = {
    "deal.won": on_deal_won,
    "payment.received": on_payment_received,
    "payment.refunded": on_payment_refunded,
    "lead.qualified": on_lead_qualified,
    "customer.created": on_customer_created,
    "ticket.closed": on_ticket_closed,
    "ticket.rated": on_ticket_rated,
}
