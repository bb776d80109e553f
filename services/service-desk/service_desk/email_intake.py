"""Inbound email over the database: a new message opens a ticket, a reply lands on
its thread, automated mail and loops are ignored, the sender is matched to a contact."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.errors import ValidationFailed

from .contacts import match_sender
from .models import ContactRef, Message, Ticket
from .rules.inbound_email import NotAnEmail, ParsedEmail, parse_email
from .threads import add_message
from .tickets import check_customer_visible, open_ticket


@dataclass(frozen=True)
class Outcome:
    """What became of an inbound message."""

    action: str  # opened | replied | ignored
    ticket_id: uuid.UUID | None
    reason: str | None = None


def _settings() -> dict[str, Any]:
    return current_app.extensions["crm"].settings.extra


def keep_contact(session: Session, data: dict[str, Any]) -> ContactRef:
    """Remember (or update) which customer an email address belongs to."""
    check_customer_visible(data["customer_id"])
    email = data["email"].strip().lower()
    ref = session.scalars(select(ContactRef).where(ContactRef.email == email)).first()
    if ref is None:
        ref = ContactRef(id=uuid.uuid4(), email=email, customer_id=data["customer_id"])
        try:
            with session.begin_nested():
                session.add(ref)
        except IntegrityError:
            ref = session.scalars(select(ContactRef).where(ContactRef.email == email)).one()
    ref.customer_id = data["customer_id"]
    ref.contact_id = data.get("contact_id")
    ref.name = data.get("name")
    return ref


def _thread_of(session: Session, parsed: ParsedEmail) -> Ticket | None:
    if parsed.ticket_token is not None:
        ticket = session.get(Ticket, parsed.ticket_token)
        if ticket is not None:
            return ticket
    if parsed.references:
        message = session.scalars(
            select(Message).where(Message.email_message_id.in_(parsed.references))
        ).first()
        if message is not None:
            return session.get(Ticket, message.ticket_id)
    return None


def _attachments(parsed: ParsedEmail) -> list[dict[str, Any]]:
    return [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "content_base64": base64.b64encode(a.data).decode(),
        }
        for a in parsed.attachments
    ]


def take_email(session: Session, principal: Principal, raw: bytes) -> Outcome:
    """Take one raw RFC 822 message posted by a mail relay."""
    settings = _settings()
    try:
        parsed = parse_email(raw, own_domain=settings["email_domain"])
    except NotAnEmail as exc:
        raise ValidationFailed.field("message", str(exc)) from exc
    if parsed.automated_reason:
        return Outcome("ignored", None, parsed.automated_reason)
    if (
        parsed.message_id
        and session.scalars(
            select(Message.ticket_id).where(Message.email_message_id == parsed.message_id)
        ).first()
    ):
        return Outcome("ignored", None, "this message was already taken")
    limit = settings["max_attachment_bytes"]
    ticket = _thread_of(session, parsed)
    contact = match_sender(session, parsed.sender)
    if ticket is not None and ticket.status != "closed":
        from_customer = contact is not None and contact.customer_id == ticket.customer_id
        add_message(
            session,
            ticket,
            visibility="public" if from_customer else "internal",
            author_kind="customer" if from_customer else "agent",
            author_id=None,
            body=parsed.body or parsed.subject,
            attachments=_attachments(parsed),
            max_bytes=limit,
            email_message_id=parsed.message_id,
        )
        return Outcome("replied", ticket.id)
    if contact is None:
        raise ValidationFailed.field(
            "from", f"{parsed.sender} is not a known contact of any customer"
        )
    ticket = open_ticket(
        session,
        principal,
        {
            "customer_id": contact.customer_id,
            "contact_id": contact.contact_id,
            "requester_email": parsed.sender,
            "subject": parsed.subject[:200],
            "description": parsed.body[:20000] or None,
        },
        channel="email",
    )
    add_message(
        session,
        ticket,
        visibility="public",
        author_kind="customer",
        author_id=None,
        body=parsed.body or parsed.subject,
        attachments=_attachments(parsed),
        max_bytes=limit,
        email_message_id=parsed.message_id,
    )
    return Outcome("opened", ticket.id)
