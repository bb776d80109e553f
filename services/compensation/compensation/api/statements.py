"""Statements, payouts and closing a month."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent, service_context

from .. import approvals, closing, statements
from ..models import Payout, Period
from ..schemas.common import month_field
from ..schemas.statements import (
    CloseSchema,
    PayoutInSchema,
    PayoutSchema,
    PeriodSchema,
    StatementArgsSchema,
    StatementSchema,
)

blp = Blueprint(
    "compensation_statements",
    __name__,
    url_prefix="/api/v1/compensation",
    description="Commission statements, payouts and period close",
)


@blp.get("/statements")
@blp.arguments(StatementArgsSchema, location="query", as_kwargs=True)
@blp.response(200, StatementSchema)
def statement(**args: Any) -> dict[str, Any]:
    """A rep's month: every ledger line, totals, paid and pending."""
    return statements.statement(
        db_session(), current_principal(), args.get("owner_id"), args["period"]
    )


@blp.post("/payouts")
@idempotent
@blp.arguments(PayoutInSchema)
@blp.response(201, PayoutSchema)
def request_payout(data: dict[str, Any]) -> Payout:
    """Pay a rep's closed month (net of clawbacks); it goes to their manager, then finance."""
    session = db_session()
    payout = statements.request_payout(
        session, current_principal(), data["owner_id"], data["period"], data["currency"]
    )
    approvals.submit_payout(session, payout)
    return payout


@blp.get("/payouts/<uuid:payout_id>")
@blp.response(200, PayoutSchema)
def get_payout(payout_id: uuid.UUID) -> Payout:
    """One payout and its approval state."""
    return statements.get_payout(db_session(), current_principal(), payout_id)


@blp.get("/periods/<month>")
@blp.response(200, PeriodSchema)
def get_period(month: str) -> Period:
    """Whether a month is open or closed."""
    _checked(month)
    return closing.state(db_session(), month)


@blp.post("/periods/<month>/close")
@blp.response(200, CloseSchema)
def close_period(month: str) -> dict[str, Any]:
    """Close a month (finance, admins): true-ups, the lock, ``performance.calculated``."""
    _checked(month)
    return closing.close(
        db_session(), current_principal(), month, service_context().settings.extra["currency"]
    )


def _checked(month: str) -> None:
    from marshmallow import ValidationError

    from crm_shared.errors import ValidationFailed

    try:
        month_field(required=True).deserialize(month)
    except ValidationError as exc:
        raise ValidationFailed(
            "not a month", errors=[{"field": "month", "message": str(exc.messages[0])}]
        ) from exc
