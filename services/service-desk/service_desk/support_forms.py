"""The public support form: a key per product or brand, a honeypot and rate limits
(the shared limiter, as leads' web forms do). A submission from a known contact
opens a ticket; one from an unknown address waits for an agent to place it. The
answer is the same either way, so the form reveals nothing about customers."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.ratelimit import Limit, RateLimiter

from .contacts import match_sender
from .models import ContactRef, FormRequest, SupportForm
from .threads import add_message
from .tickets import check_customer_visible, open_ticket

FIELDS = frozenset({"email", "name", "subject", "body"})


def create_form(session: Session, data: dict[str, Any]) -> SupportForm:
    """A new form with a fresh key."""
    form = SupportForm(id=uuid.uuid4(), key=secrets.token_urlsafe(18), active=True, **data)
    session.add(form)
    return form


def _form(session: Session, key: str) -> SupportForm:
    form = session.scalars(
        select(SupportForm).where(SupportForm.key == key, SupportForm.active)
    ).first()
    if form is None:
        raise NotFound("no such form")
    return form


def _ticket_from(
    session: Session,
    principal: Principal | None,
    form: SupportForm,
    request: FormRequest,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID | None,
) -> uuid.UUID:
    ticket = open_ticket(
        session,
        principal,
        {
            "customer_id": customer_id,
            "contact_id": contact_id,
            "subject": request.subject,
            "description": request.body,
            "category": form.category,
            "product_id": form.product_id,
            "requester_email": request.email,
        },
        channel="form",
    )
    add_message(
        session,
        ticket,
        visibility="public",
        author_kind="customer",
        author_id=None,
        body=request.body,
        attachments=[],
        max_bytes=0,
    )
    return ticket.id


def submit(db: Database, session: Session, key: str, payload: dict[str, Any], client: str) -> None:
    """Take one public submission (answers the same whatever became of it)."""
    with db.reading() as reader:
        form = _form(reader, key)
        form_id, honeypot = form.id, form.honeypot_field
        per_client, per_key = form.per_client_per_minute, form.per_key_per_minute
    limiter = RateLimiter(db)
    limiter.check(f"desk-form-client:{form_id}:{client}", Limit(per_client, 60), what="submissions")
    limiter.check(f"desk-form-key:{form_id}", Limit(per_key, 60), what="submissions")
    if str(payload.get(honeypot) or "").strip():
        return  # a bot filled the hidden field: answer as usual, keep nothing
    unknown = sorted(set(payload) - FIELDS - {honeypot})
    if unknown:
        raise ValidationFailed(
            "unknown fields: " + ", ".join(unknown),
            errors=[{"field": name, "message": "Unknown field."} for name in unknown],
        )
    form = _form(session, key)
    request = FormRequest(
        id=uuid.uuid4(),
        form_id=form.id,
        email=payload["email"].strip().lower(),
        name=payload.get("name"),
        subject=payload["subject"].strip(),
        body=payload["body"],
        status="pending",
        created_at=utcnow(),
    )
    contact = match_sender(session, request.email)
    if contact is not None:
        request.ticket_id = _ticket_from(
            session, None, form, request, contact.customer_id, contact.contact_id
        )
        request.status = "accepted"
    session.add(request)


def pending(session: Session) -> list[FormRequest]:
    """Submissions waiting for an agent, oldest first."""
    return list(
        session.scalars(
            select(FormRequest)
            .where(FormRequest.status == "pending")
            .order_by(FormRequest.created_at, FormRequest.id)
        )
    )


def accept(
    session: Session, principal: Principal, request_id: uuid.UUID, customer_id: uuid.UUID
) -> FormRequest:
    """Place a waiting submission on a customer: open its ticket, remember the address."""
    request = session.scalars(
        select(FormRequest).where(FormRequest.id == request_id).with_for_update()
    ).first()
    if request is None:
        raise NotFound("no such form request")
    if request.status != "pending":
        raise Conflict(f"this request is already {request.status}")
    check_customer_visible(customer_id)
    form = session.get(SupportForm, request.form_id)
    assert form is not None
    contact = ContactRef(
        id=uuid.uuid4(), email=request.email, customer_id=customer_id, name=request.name
    )
    if session.scalars(select(ContactRef).where(ContactRef.email == request.email)).first() is None:
        session.add(contact)
    request.ticket_id = _ticket_from(session, principal, form, request, customer_id, None)
    request.status = "accepted"
    return request
