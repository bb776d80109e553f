"""Events the leads service reacts to."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from crm_shared.events import Event, parse_time

from .campaigns import record_win
from .members import upsert_member
from .models import Lead, LeadActivity
from .retention import erase_person


def on_customer_recycled(session: Session, event: Event) -> None:
    """Keep the lead's history complete: its customer went back to the pool."""
    lead_id = event.data.get("lead_id")
    if not lead_id or session.get(Lead, uuid.UUID(lead_id)) is None:
        return
    session.add(
        LeadActivity(
            lead_id=uuid.UUID(lead_id),
            kind="customer_recycled",
            note=event.data.get("reason"),
            occurred_at=parse_time(event.data["recycled_at"]),
            details={
                "customer_id": event.data["customer_id"],
                "previous_owner_id": event.data.get("previous_owner_id"),
                "event_id": event.id,
            },
        )
    )


def on_deal_won(session: Session, event: Event) -> None:
    """Attribute the won deal to the campaign its lead came from."""
    record_win(session, event)


def on_customer_erased(session: Session, event: Event) -> None:
    """A customer's person was erased: so is the lead they came from (once)."""
    lead_id = event.data.get("lead_id")
    if lead_id and session.get(Lead, uuid.UUID(lead_id)) is not None:
        erase_person(session, uuid.UUID(lead_id))


def on_user_changed(session: Session, event: Event) -> None:
    """Keep the members copy (roles, team, active) that assignment works from."""
    upsert_member(session, event)


HANDLERS = {
    "customer.recycled": on_customer_recycled,
    "customer.erased": on_customer_erased,
    "deal.won": on_deal_won,
    "user.created": on_user_changed,
    "user.updated": on_user_changed,
}
