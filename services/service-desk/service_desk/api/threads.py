"""HTTP routes of a ticket's thread: replies, internal notes and attachments."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from flask import Response

from crm_shared.web import Blueprint, body_limit, current_principal, db_session, service_context

from .. import threads, tickets
from ..models import Message
from ..schemas.threads import MessageInSchema, MessageSchema, ThreadSchema

blp = Blueprint("threads", __name__, url_prefix="/api/v1/tickets", description="Ticket threads")


@blp.post("/<uuid:ticket_id>/messages")
@body_limit("max_message_bytes")
@blp.arguments(MessageInSchema)
@blp.response(201, MessageSchema)
def add_message(data: dict[str, Any], ticket_id: uuid.UUID) -> Message:
    """Add a public reply (agents) or an internal note, with attachments in base64."""
    limit = service_context().settings.extra["max_attachment_bytes"]
    return threads.reply(db_session(), current_principal(), ticket_id, data, limit)


@blp.get("/<uuid:ticket_id>/messages")
@blp.response(200, ThreadSchema)
def list_messages(ticket_id: uuid.UUID) -> dict[str, Any]:
    """The whole thread, oldest first."""
    session = db_session()
    tickets.get(session, current_principal(), ticket_id)
    return {"items": threads.thread(session, ticket_id)}


@blp.get("/<uuid:ticket_id>/attachments/<uuid:file_id>")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
def download(ticket_id: uuid.UUID, file_id: uuid.UUID) -> Response:
    """An attachment's bytes."""
    stored = threads.attachment(db_session(), current_principal(), ticket_id, file_id)
    response = Response(stored.content, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(stored.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
