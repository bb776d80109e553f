"""HTTP routes of inbound email (posted raw by a mail relay) and contact addresses."""

from __future__ import annotations

from typing import Any

from flask import request

from crm_shared.auth import ADMIN, SERVICE_AGENT
from crm_shared.web import (
    Blueprint,
    body_limit,
    current_principal,
    db_session,
    require_roles,
)

from .. import email_intake
from ..models import ContactRef
from ..schemas.email_intake import ContactInSchema, ContactSchema, OutcomeSchema

blp = Blueprint("email_intake", __name__, url_prefix="/api/v1/tickets", description="Inbound email")

_RAW_MESSAGE = {
    "requestBody": {
        "required": True,
        "description": "The raw message (any content type, e.g. message/rfc822).",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@blp.post("/inbound-email")
@require_roles(SERVICE_AGENT, ADMIN)
@body_limit("max_email_bytes")
@blp.doc(**_RAW_MESSAGE)
@blp.response(200, OutcomeSchema)
def inbound_email() -> Any:
    """Take a raw RFC 822 message: a new one opens a ticket, a reply (In-Reply-To,
    References, or ``[TK:<ticket id>]`` in the subject) lands on its thread, and
    automated mail (Auto-Submitted, Precedence: bulk, our own ids) is ignored."""
    outcome = email_intake.take_email(db_session(), current_principal(), request.get_data())
    return {"action": outcome.action, "ticket_id": outcome.ticket_id, "reason": outcome.reason}


@blp.post("/contacts")
@require_roles(SERVICE_AGENT, ADMIN)
@blp.arguments(ContactInSchema)
@blp.response(200, ContactSchema)
def keep_contact(data: dict[str, Any]) -> ContactRef:
    """Remember which customer (and contact) an email address belongs to."""
    return email_intake.keep_contact(db_session(), data)
