"""A customer's contacts: adding, editing, removing, one primary contact each."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared import outbox, phones
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed

from . import access, lookups
from .access import Reach
from .identity import clean_contact_phone
from .models import Contact, Customer
from .presenting import hidden_for


def publish_contact(
    session: Session, contact: Contact, owner_id: uuid.UUID | None, *, created: bool
) -> None:
    """``contact.created`` or ``contact.updated`` with the contact's whole current state."""
    data = contact_event(contact, owner_id, created=created)
    if created:
        outbox.publish(session, "contact.created", data, subject=contact.customer_id)
    else:
        outbox.publish(session, "contact.updated", data, subject=contact.customer_id)


def contact_event(contact: Contact, owner_id: uuid.UUID | None, *, created: bool) -> dict[str, Any]:
    """The data of a contact's ``contact.created`` (or ``contact.updated``) event."""
    data: dict[str, Any] = {
        "contact_id": contact.id,
        "customer_id": contact.customer_id,
        "name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "is_primary": bool(contact.is_primary),
        "owner_id": owner_id,
    }
    if created:
        data["created_at"] = contact.created_at or utcnow()
    else:
        data["updated_at"] = contact.updated_at or utcnow()
    return data


def masked_contact(contact: Contact, hidden: set[str]) -> dict[str, Any]:
    """A contact as the API shows it, with the pool's hidden email and phone blanked."""
    data = {c.key: getattr(contact, c.key) for c in Contact.__table__.columns}
    if "email" in hidden:
        data["email"] = None
    if "phone" in hidden:
        data["phone"] = None
    return data


def hidden_of(session: Session, r: Reach, customer: Customer) -> set[str]:
    """The customer's fields hidden from this caller (its pool's, until someone claims it)."""
    return hidden_for(r, customer, lookups.hidden_fields_by_pool(session))


def contacts_of(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> list[dict[str, Any]]:
    """A customer's contacts, primary first (none while a pool hides them)."""
    customer, r = access.load(session, principal, customer_id)
    hidden = hidden_of(session, r, customer)
    if "contacts" in hidden:
        return []
    rows = session.scalars(
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.is_primary.desc(), Contact.created_at, Contact.id)
    )
    return [masked_contact(c, hidden) for c in rows]


def _make_primary(session: Session, contact: Contact, owner_id: uuid.UUID | None) -> None:
    # The old primary changes too: its copies elsewhere learn it is no longer primary.
    previous = session.scalars(
        select(Contact).where(
            Contact.customer_id == contact.customer_id,
            Contact.id != contact.id,
            Contact.is_primary.is_(True),
        )
    ).all()
    # Clear the old primary first: the unique index allows one per customer.
    session.execute(
        update(Contact)
        .where(Contact.customer_id == contact.customer_id, Contact.id != contact.id)
        .values(is_primary=False)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    contact.is_primary = True
    session.flush()
    now = utcnow()
    for old in previous:
        session.refresh(old)
        old.updated_at = now
        publish_contact(session, old, owner_id, created=False)


def add_contact(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    data: dict[str, Any],
    region: str = "US",
) -> dict[str, Any]:
    """A new contact; the first one, or one marked primary, becomes the primary contact."""
    customer, _ = access.load_for_work(session, principal, customer_id)
    data = clean_contact_phone(data, phones.pick_region(customer.country, region))
    primary = data.pop("is_primary", False)
    has_primary = session.scalar(
        select(Contact.id).where(Contact.customer_id == customer_id, Contact.is_primary.is_(True))
    )
    contact = Contact(
        id=uuid.uuid4(), customer_id=customer_id, created_by=principal.id, is_primary=False, **data
    )
    session.add(contact)
    session.flush()
    if primary or has_primary is None:
        _make_primary(session, contact, customer.owner_id)
    publish_contact(session, contact, customer.owner_id, created=True)
    return masked_contact(contact, set())


def _contact(session: Session, principal: Principal, contact_id: uuid.UUID, work: bool) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("no such contact")
    try:
        if work:
            access.load_for_work(session, principal, contact.customer_id)
        else:
            customer, r = access.load(session, principal, contact.customer_id)
            if "contacts" in hidden_of(session, r, customer):
                raise NotFound("no such contact")
    except NotFound:
        raise NotFound("no such contact") from None
    return contact


def get_contact(session: Session, principal: Principal, contact_id: uuid.UUID) -> dict[str, Any]:
    """One contact of a customer the caller may see."""
    contact = _contact(session, principal, contact_id, work=False)
    customer, r = access.load(session, principal, contact.customer_id)
    return masked_contact(contact, hidden_of(session, r, customer))


def update_contact(
    session: Session,
    principal: Principal,
    contact_id: uuid.UUID,
    data: dict[str, Any],
    region: str = "US",
) -> dict[str, Any]:
    """Change a contact; ``is_primary: true`` makes it the primary contact."""
    contact = _contact(session, principal, contact_id, work=True)
    customer = session.get(Customer, contact.customer_id)
    assert customer is not None  # contacts belong to a customer (foreign key)
    data = clean_contact_phone(data, phones.pick_region(customer.country, region))
    primary = data.pop("is_primary", None)
    if primary is False and contact.is_primary:
        raise ValidationFailed.field(
            "is_primary", "make another contact primary instead of unsetting this one"
        )
    for name, value in data.items():
        setattr(contact, name, value)
    contact.updated_at = utcnow()
    session.flush()
    if primary:
        _make_primary(session, contact, customer.owner_id)
    publish_contact(session, contact, customer.owner_id, created=False)
    return masked_contact(contact, set())


def delete_contact(session: Session, principal: Principal, contact_id: uuid.UUID) -> None:
    """Remove a contact; when it was the primary one, the oldest other becomes primary."""
    contact = _contact(session, principal, contact_id, work=True)
    was_primary, customer_id = contact.is_primary, contact.customer_id
    session.delete(contact)
    session.flush()
    if was_primary:
        successor = session.scalar(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .order_by(Contact.created_at, Contact.id)
            .limit(1)
        )
        if successor is not None:
            customer = session.get(Customer, customer_id)
            _make_primary(session, successor, customer.owner_id if customer else None)
            publish_contact(
                session, successor, customer.owner_id if customer else None, created=False
            )
