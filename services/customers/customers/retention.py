"""Retention: archiving and restoring customers, and erasing a person's data on request.

An archived customer is out of the default lists (``?archived=true`` shows
them) and is not claimed, assigned or recycled until restored. Erasure is
for good: an admin blanks the customer's personal fields and its contacts',
and ``customer.erased`` tells every other service to drop its copies. When
the leads service erases a lead (``lead.erased``), the copies this service
made from it (the customer's email and phone, the contact the lead became)
are blanked the same way.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden

from . import access
from .contacts import publish_contact
from .models import Contact, Customer, ErasedLead
from .ownership_log import record
from .presenting import present_one

ERASED_NAME = "(erased)"
# What identifies a person on a customer record; a company's own name stays
# unless the customer is a person.
PERSONAL_CUSTOMER_FIELDS = (
    "email",
    "phone",
    "address_line",
    "postal_code",
    "latitude",
    "longitude",
)


def archive_customer(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> dict[str, Any]:
    """Archive a customer (owner, their manager or an admin); again changes nothing."""
    customer, r = access.load_for_management(session, principal, customer_id)
    if customer.archived_at is None:
        now = utcnow()
        customer.archived_at = now
        customer.recycle_due_at = None  # no clock runs while it is archived
        customer.recycle_rule = None
        customer.updated_at = now
        customer.version = Customer.version + 1
        session.flush()
        session.refresh(customer)
        record(session, customer, "archived", at=now, actor=principal.id)
    return present_one(session, r, customer)


def restore_customer(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> dict[str, Any]:
    """Bring an archived customer back; its recycling clocks count again."""
    from . import deadlines

    customer, r = access.load_for_management(session, principal, customer_id)
    if customer.erased_at is not None:
        raise Conflict("an erased customer is not restored")
    if customer.archived_at is not None:
        now = utcnow()
        customer.archived_at = None
        customer.updated_at = now
        customer.version = Customer.version + 1
        session.flush()
        session.refresh(customer)
        deadlines.refresh(session, customer, now)
        record(session, customer, "restored", at=now, actor=principal.id)
    return present_one(session, r, customer)


def erase_customer(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> dict[str, Any]:
    """An admin erases a customer's and its contacts' personal data (``customer.erased``)."""
    customer, r = access.load(session, principal, customer_id)  # 404 outside scope
    if not principal.is_admin:
        raise Forbidden("only admins erase personal data")
    if customer.erased_at is None:
        now = utcnow()
        contacts = session.scalars(
            select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)
        ).all()
        for contact in contacts:
            _blank_contact(contact, now)
        _blank_customer(customer, now)
        customer.erased_at = now
        customer.archived_at = customer.archived_at or now
        customer.recycle_due_at = None
        customer.recycle_rule = None
        customer.version = Customer.version + 1
        session.flush()
        session.refresh(customer)
        record(session, customer, "erased", at=now, actor=principal.id)
        outbox.publish(
            session,
            "customer.erased",
            {
                "customer_id": customer.id,
                "contact_ids": [c.id for c in contacts],
                "lead_id": customer.lead_id,
                "erased_at": now,
            },
            subject=customer.id,
        )
    return present_one(session, r, customer)


def erase_lead_copies(session: Session, lead_id: uuid.UUID) -> None:
    """Blank what was copied from an erased lead: the customer's contact data, its contact.

    The customer itself (a company account) stays; a person customer loses
    its name too. Contacts carrying the lead's email or phone are blanked and
    announced with ``contact.updated``. Repeated events change nothing.
    """
    customer = session.scalar(select(Customer).where(Customer.lead_id == lead_id))
    if customer is None:
        # lead.qualified has not been handled yet (a retry can bring it after
        # this event): remember, so the customer is made without the person.
        if session.get(ErasedLead, lead_id) is None:
            session.add(ErasedLead(lead_id=lead_id, erased_at=utcnow()))
            session.flush()
        return
    if customer.erased_at is not None:
        return
    now = utcnow()
    keys = []
    if customer.email:
        keys.append(Contact.email == customer.email)
    if customer.phone:
        keys.append(Contact.phone == customer.phone)
    contacts = (
        session.scalars(select(Contact).where(Contact.customer_id == customer.id, or_(*keys))).all()
        if keys
        else []
    )
    for contact in contacts:
        if contact.name == ERASED_NAME:
            continue
        _blank_contact(contact, now)
        session.flush()
        publish_contact(session, contact, customer.owner_id, created=False)
    if customer.email or customer.phone or customer.kind == "person":
        _blank_customer(customer, now, everything=False)
        session.flush()


def erased_leads(session: Session, lead_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``lead_ids`` erased before their customer was made."""
    if not lead_ids:
        return set()
    return set(session.scalars(select(ErasedLead.lead_id).where(ErasedLead.lead_id.in_(lead_ids))))


def without_person(lead: dict[str, Any]) -> dict[str, Any]:
    """A qualified lead's data with its person's name, email and phone blanked (as on erasure)."""
    return {**lead, "name": ERASED_NAME, "email": None, "phone": None}


def _blank_contact(contact: Contact, now: datetime) -> None:
    contact.name = ERASED_NAME
    contact.title = None
    contact.email = None
    contact.phone = None
    contact.notes = None
    contact.updated_at = now


def _blank_customer(customer: Customer, now: datetime, *, everything: bool = True) -> None:
    fields = PERSONAL_CUSTOMER_FIELDS if everything else ("email", "phone")
    for name in fields:
        setattr(customer, name, None)
    customer.phone_verified = True
    if everything:
        customer.custom_fields = {}
    if customer.kind == "person":
        customer.name = ERASED_NAME
    customer.updated_at = now
