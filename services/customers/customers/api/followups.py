"""Routes of follow-ups: logging one on a customer, and finding them."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
)

from .. import followups, records
from ..schemas.followups import (
    FollowUpInSchema,
    FollowUpListArgsSchema,
    FollowUpPageSchema,
    FollowUpSchema,
)
from .common import extra, page
from .customers import blp

followups_blp = Blueprint(
    "followups", __name__, url_prefix="/api/v1/followups", description="Follow-ups"
)


@blp.post("/<uuid:customer_id>/followups")
@idempotent
@blp.arguments(FollowUpInSchema)
@blp.response(201, FollowUpSchema)
def log_followup(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Log a call, visit, email, meeting or note; restarts the no-follow-up recycling clock."""
    return followups.log_followup(
        db_session(),
        current_principal(),
        customer_id,
        data,
        reminder_minutes=extra()["followup_reminder_minutes"],
    )


@blp.get("/<uuid:customer_id>/followups")
@blp.arguments(FollowUpListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, FollowUpPageSchema)
def customer_followups(customer_id: uuid.UUID, **args: Any) -> Any:
    """The customer's follow-ups, newest first."""
    session, principal = db_session(), current_principal()
    records.get_customer(session, principal, customer_id)
    args["customer_id"] = customer_id
    return page(*followups.list_followups(session, principal, args))


@followups_blp.get("")
@followups_blp.arguments(FollowUpListArgsSchema, location="query", as_kwargs=True)
@followups_blp.response(200, FollowUpPageSchema)
def list_followups(**args: Any) -> Any:
    """Follow-ups the caller may see, newest first, by customer, author, kind or period."""
    return page(*followups.list_followups(db_session(), current_principal(), args))


@followups_blp.get("/<uuid:followup_id>")
@followups_blp.response(200, FollowUpSchema)
def get_followup(followup_id: uuid.UUID) -> Any:
    """One follow-up."""
    return followups.get_followup(db_session(), current_principal(), followup_id)
