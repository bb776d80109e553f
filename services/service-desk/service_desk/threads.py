"""A ticket's thread: public replies and internal notes, with attachments."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared import files
from crm_shared.auth import SERVICE_AGENT, Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed

from .models import Message, Ticket
from .sla import refresh_figures
from .tickets import get, record_status

ATTACHMENT_PURPOSE = "ticket-attachment"


def keep_attachments(
    session: Session,
    attachments: list[dict[str, Any]],
    *,
    max_bytes: int,
    created_by: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """Store attachments ({filename, content_type, content_base64}) in shared file storage."""
    kept = []
    for index, item in enumerate(attachments):
        field = f"attachments.{index}.content_base64"
        try:
            data = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationFailed.field(field, "is not base64") from exc
        content_type = files.check_upload(
            data, field=field, max_bytes=max_bytes, declared_type=item.get("content_type")
        )
        file_id = files.save(
            session,
            purpose=ATTACHMENT_PURPOSE,
            filename=item["filename"],
            content_type=content_type,
            data=data,
            created_by=created_by,
        )
        kept.append(
            {
                "file_id": str(file_id),
                "filename": item["filename"],
                "content_type": content_type,
                "size": len(data),
            }
        )
    return kept


def add_message(
    session: Session,
    ticket: Ticket,
    *,
    visibility: str,
    author_kind: str,
    author_id: uuid.UUID | None,
    body: str,
    attachments: list[dict[str, Any]],
    max_bytes: int,
    now: datetime | None = None,
    email_message_id: str | None = None,
) -> Message:
    """Append to the thread. An agent's public reply opens a new ticket; a customer's
    message brings a pending ticket back to open (it stops waiting on them)."""
    if ticket.status == "closed":
        raise Conflict("a closed ticket takes no more messages")
    now = now or utcnow()
    message = Message(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        visibility=visibility,
        author_kind=author_kind,
        author_id=author_id,
        body=body,
        attachments=keep_attachments(
            session, attachments, max_bytes=max_bytes, created_by=author_id
        ),
        created_at=now,
        email_message_id=email_message_id,
    )
    session.add(message)
    if visibility == "public":
        if author_kind == "agent" and ticket.status == "new":
            record_status(session, ticket, "open", now, author_id)
        elif author_kind == "customer" and ticket.status == "pending":
            record_status(session, ticket, "open", now, None, "the customer replied")
        else:
            # A public message moves the response clocks even without a status change.
            refresh_figures(session, ticket)
    return message


def reply(
    session: Session,
    principal: Principal,
    ticket_id: uuid.UUID,
    data: dict[str, Any],
    max_bytes: int,
) -> Message:
    """An agent's (or the customer owner's) public reply or internal note."""
    ticket = get(session, principal, ticket_id, lock=True)
    if data["visibility"] == "public" and not principal.has_role(SERVICE_AGENT, "admin"):
        # Reps follow their customers' tickets and leave notes; agents answer.
        raise ValidationFailed.field("visibility", "only service agents reply publicly")
    message_id = uuid.uuid4()
    domain = current_app.extensions["crm"].settings.extra["email_domain"]
    message = add_message(
        session,
        ticket,
        visibility=data["visibility"],
        author_kind="agent",
        author_id=principal.id,
        body=data["body"],
        attachments=data.get("attachments") or [],
        max_bytes=max_bytes,
        # Mail a notifier sends for this reply uses this id, so answers thread back.
        email_message_id=f"<{message_id}@{domain}>" if data["visibility"] == "public" else None,
    )
    return message


def thread(session: Session, ticket_id: uuid.UUID, *, public_only: bool = False) -> list[Message]:
    """The thread, oldest first (public entries only, for the customer)."""
    statement = select(Message).where(Message.ticket_id == ticket_id)
    if public_only:
        statement = statement.where(Message.visibility == "public")
    return list(session.scalars(statement.order_by(Message.created_at, Message.id)))


def attachment(
    session: Session, principal: Principal, ticket_id: uuid.UUID, file_id: uuid.UUID
) -> files.StoredFile:
    """An attachment of a ticket the caller can see."""
    get(session, principal, ticket_id)
    for message in thread(session, ticket_id):
        if any(a["file_id"] == str(file_id) for a in message.attachments):
            stored = files.load(session, file_id)
            if stored is not None:
                return stored
    raise NotFound("no such attachment")
