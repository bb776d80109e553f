"""HTTP routes of public support forms and the submissions agents place."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request

from crm_shared.auth import ADMIN, SERVICE_AGENT
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
    public,
    require_roles,
    service_context,
)

from .. import support_forms
from ..models import FormRequest, SupportForm
from ..schemas.support_forms import (
    AcceptSchema,
    FormInSchema,
    FormRequestListSchema,
    FormRequestSchema,
    FormSchema,
    ReceiptSchema,
    SubmissionSchema,
)

blp = Blueprint(
    "support_forms", __name__, url_prefix="/api/v1/tickets", description="Support forms"
)


@blp.post("/forms")
@require_roles(ADMIN)
@idempotent
@blp.arguments(FormInSchema)
@blp.response(201, FormSchema)
def create_form(data: dict[str, Any]) -> SupportForm:
    """A public support form for a product or brand; its key goes in the page."""
    return support_forms.create_form(db_session(), data)


@blp.post("/forms/<string:form_key>")
@public
@blp.doc(security=[])
@blp.arguments(SubmissionSchema)
@blp.response(202, ReceiptSchema)
def submit_form(data: dict[str, Any], form_key: str) -> dict[str, Any]:
    """Ask for help without an account (rate-limited; the same answer whatever happens)."""
    support_forms.submit(
        service_context().db, db_session(), form_key, data, request.remote_addr or "unknown"
    )
    return {"received": True}


@blp.get("/form-requests")
@require_roles(ADMIN, SERVICE_AGENT)
@blp.response(200, FormRequestListSchema)
def waiting_requests() -> dict[str, Any]:
    """Submissions from addresses no customer is known by, oldest first."""
    return {"items": support_forms.pending(db_session())}


@blp.post("/form-requests/<uuid:request_id>/accept")
@require_roles(ADMIN, SERVICE_AGENT)
@blp.arguments(AcceptSchema)
@blp.response(200, FormRequestSchema)
def accept_request(data: dict[str, Any], request_id: uuid.UUID) -> FormRequest:
    """Place a submission on its customer: a ticket opens and the address is remembered."""
    return support_forms.accept(db_session(), current_principal(), request_id, data["customer_id"])
