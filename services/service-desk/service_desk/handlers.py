"""Events the service desk reacts to: copies of who owns each customer, of its contacts
(how senders are matched) and whose each order is; erasure of a customer's data."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from crm_shared.events import Event, parse_time

from .contacts import erase_customer, remember_contact
from .models import CustomerRef, OrderRef
from .tickets import remember_owner


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def on_customer_created(session: Session, event: Event) -> None:
    """A new customer and its first owner."""
    data = event.data
    customer_id = uuid.UUID(data["customer_id"])
    remember_owner(
        session,
        customer_id,
        _uuid(data.get("owner_id")),
        _uuid(data.get("team_id")),
        parse_time(data["created_at"]),
        name=data.get("name"),
    )
    # Arriving after a newer ownership event, it still carries the only copy of the name.
    ref = session.get(CustomerRef, customer_id)
    if ref is not None and not ref.erased and not ref.name and data.get("name"):
        ref.name = data["name"]


def on_customer_claimed(session: Session, event: Event) -> None:
    """A rep took the customer from the pool."""
    data = event.data
    remember_owner(
        session,
        uuid.UUID(data["customer_id"]),
        _uuid(data["owner_id"]),
        _uuid(data.get("team_id")),
        parse_time(data["claimed_at"]),
    )


def on_customer_assigned(session: Session, event: Event) -> None:
    """A manager gave the customer to a rep."""
    data = event.data
    remember_owner(
        session,
        uuid.UUID(data["customer_id"]),
        _uuid(data["owner_id"]),
        _uuid(data.get("team_id")),
        parse_time(data["assigned_at"]),
    )


def on_customer_recycled(session: Session, event: Event) -> None:
    """The customer went back to the pool: nobody owns it."""
    data = event.data
    remember_owner(
        session, uuid.UUID(data["customer_id"]), None, None, parse_time(data["recycled_at"])
    )


def on_order_created(session: Session, event: Event) -> None:
    """Remember whose order it is, so a ticket can name it (a replay changes nothing)."""
    data = event.data
    order_id = uuid.UUID(data["order_id"])
    if session.get(OrderRef, order_id) is None:
        session.add(
            OrderRef(
                id=order_id,
                customer_id=uuid.UUID(data["customer_id"]),
                created_at=parse_time(data["created_at"]),
            )
        )


def on_contact_changed(session: Session, event: Event) -> None:
    """A contact was added or changed (the whole current state): keep the newest."""
    data = event.data
    remember_contact(
        session,
        uuid.UUID(data["contact_id"]),
        uuid.UUID(data["customer_id"]),
        data.get("name"),
        data.get("email"),
        parse_time(data.get("updated_at") or data["created_at"]),
    )


def on_customer_erased(session: Session, event: Event) -> None:
    """Anonymise the desk's copies of the customer and its listed contacts."""
    data = event.data
    erase_customer(
        session,
        uuid.UUID(data["customer_id"]),
        [uuid.UUID(c) for c in data.get("contact_ids") or []],
        parse_time(data["erased_at"]),
    )


HANDLERS = {
    "contact.created": on_contact_changed,
    "contact.updated": on_contact_changed,
    "customer.erased": on_customer_erased,
    "customer.created": on_customer_created,
    "customer.claimed": on_customer_claimed,
    "customer.assigned": on_customer_assigned,
    "customer.recycled": on_customer_recycled,
    "order.created": on_order_created,
}
