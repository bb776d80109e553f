"""Contacts the desk matches senders by — its copy of customers' contacts (from
``contact.*``) beside addresses agents register — and erasure (``customer.erased``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import ContactCopy, ContactRef, CustomerRef, FormRequest, PortalSearch, Ticket
from .rules.contact_copies import normalised_email, takes_news


@dataclass(frozen=True)
class SenderMatch:
    """The customer (and contact) an address belongs to."""

    customer_id: uuid.UUID
    contact_id: uuid.UUID | None
    name: str | None


def remember_contact(
    session: Session,
    contact_id: uuid.UUID,
    customer_id: uuid.UUID,
    name: str | None,
    email: str | None,
    as_of: datetime,
) -> None:
    """Keep the customers service's news of a contact unless what is known is newer
    (out-of-order delivery) or the contact was erased; a replay changes nothing."""
    copy = session.get(ContactCopy, contact_id)
    if copy is None:
        try:
            with session.begin_nested():
                session.add(
                    ContactCopy(
                        id=contact_id,
                        customer_id=customer_id,
                        name=name,
                        email=normalised_email(email),
                        as_of=as_of,
                        erased=False,
                    )
                )
            return
        except IntegrityError:
            # A concurrent delivery made the row first: compare against it.
            copy = session.get(ContactCopy, contact_id)
            assert copy is not None
    if not takes_news(copy.as_of, copy.erased, as_of):
        return
    copy.customer_id, copy.name, copy.email, copy.as_of = (
        customer_id,
        name,
        normalised_email(email),
        as_of,
    )


def match_sender(session: Session, email: str | None) -> SenderMatch | None:
    """Whose address ``email`` is: the customers service's contacts first (when one
    address is on several customers, the one an agent registered it for, else the
    most recently updated), then the addresses agents registered."""
    address = normalised_email(email)
    if address is None:
        return None
    copies = list(
        session.scalars(
            select(ContactCopy)
            .where(ContactCopy.email == address, ContactCopy.erased.is_(False))
            .order_by(ContactCopy.as_of.desc(), ContactCopy.id)
        )
    )
    registered = session.scalars(select(ContactRef).where(ContactRef.email == address)).first()
    if copies:
        chosen = next(
            (c for c in copies if registered and c.customer_id == registered.customer_id),
            copies[0],
        )
        return SenderMatch(chosen.customer_id, chosen.id, chosen.name)
    if registered is not None:
        return SenderMatch(registered.customer_id, registered.contact_id, registered.name)
    return None


def erase_customer(
    session: Session, customer_id: uuid.UUID, contact_ids: list[uuid.UUID], erased_at: datetime
) -> None:
    """Anonymise the desk's copies of an erased customer and its contacts: the contact
    copies and registered addresses, the requester address on its tickets, form
    requests and portal searches by those addresses. Tickets stay (their numbers,
    SLA and ratings are the desk's records). Running it again changes nothing."""
    listed = set(contact_ids)
    copies = list(
        session.scalars(
            select(ContactCopy).where(
                or_(ContactCopy.customer_id == customer_id, ContactCopy.id.in_(listed))
            )
        )
    )
    registered = list(
        session.scalars(
            select(ContactRef).where(
                or_(ContactRef.customer_id == customer_id, ContactRef.contact_id.in_(listed))
            )
        )
    )
    tickets = list(
        session.scalars(
            select(Ticket).where(
                or_(Ticket.customer_id == customer_id, Ticket.contact_id.in_(listed))
            )
        )
    )
    addresses = {c.email for c in copies if c.email} | {r.email for r in registered}
    addresses |= {t.requester_email for t in tickets if t.requester_email}
    for copy in copies:
        copy.name, copy.email, copy.erased = None, None, True
    # An erasure may arrive before the contact's own events: a tombstone keeps them out.
    for missing in listed - {c.id for c in copies}:
        session.add(
            ContactCopy(
                id=missing,
                customer_id=customer_id,
                name=None,
                email=None,
                as_of=erased_at,
                erased=True,
            )
        )
    for ref in registered:
        session.delete(ref)
    for ticket in tickets:
        ticket.requester_email = None
    customer = session.get(CustomerRef, customer_id)
    if customer is None:
        # Erased before the desk heard of it: ownership news may still come (it is
        # no personal data), so the copy starts as old as can be, nameless for good.
        session.add(
            CustomerRef(
                id=customer_id, name=None, as_of=datetime(1970, 1, 1, tzinfo=UTC), erased=True
            )
        )
    else:
        customer.name, customer.erased = None, True
    if addresses:
        session.execute(
            update(FormRequest)
            .where(FormRequest.email.in_(addresses))
            .values(email="erased@invalid", name=None)
        )
        session.execute(
            update(PortalSearch).where(PortalSearch.visitor.in_(addresses)).values(visitor=None)
        )
