"""Events that count toward a rep's performance."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared.events import Event

from .commands import record
from .performance import COLLECTED, SATISFACTION, WON


def on_deal_won(session: Session, event: Event) -> None:
    """A won deal counts for its owner in the month it was won."""
    data = event.data
    record(
        session,
        kind=WON,
        ref_id=data["opportunity_id"],
        owner_id=data["owner_id"],
        team_id=data.get("team_id"),
        at=data["won_at"],
        amount=data["amount"],
        currency=data["currency"],
    )


def on_payment_received(session: Session, event: Event) -> None:
    """Money collected counts for the order's owner in the month it arrived."""
    data = event.data
    record(
        session,
        kind=COLLECTED,
        ref_id=data["payment_id"],
        owner_id=data["owner_id"],
        team_id=data.get("team_id"),
        at=data["received_at"],
        amount=data["amount"],
        currency=data["currency"],
    )


def on_ticket_closed(session: Session, event: Event) -> None:
    """A rated ticket counts toward the satisfaction of the customer's owner."""
    data = event.data
    if not data.get("customer_owner_id") or data.get("satisfaction") is None:
        return  # a pool customer's ticket, or an unrated one: nobody to credit
    record(
        session,
        kind=SATISFACTION,
        ref_id=data["ticket_id"],
        owner_id=data["customer_owner_id"],
        team_id=data.get("customer_team_id"),
        at=data["closed_at"],
        satisfaction=data["satisfaction"],
    )


HANDLERS = {
    "deal.won": on_deal_won,
    "payment.received": on_payment_received,
    "ticket.closed": on_ticket_closed,
}
