"""Receivables routes: aging, cash forecast, credit risk."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, require_roles

from .. import credit, reports
from ..schemas.receivables import (
    AgingArgsSchema,
    AgingSchema,
    CreditArgsSchema,
    CreditLimitSchema,
    CreditSchema,
    ForecastArgsSchema,
    ForecastSchema,
)
from . import today

blp = Blueprint(
    "receivables",
    __name__,
    url_prefix="/api/v1/orders",
    description="Receivables, cash forecast and credit risk",
)


@blp.get("/receivables/aging")
@blp.arguments(AgingArgsSchema, location="query", as_kwargs=True)
@blp.response(200, AgingSchema)
def aging(**args: Any) -> dict[str, Any]:
    """Outstanding in buckets of days past due, per customer/owner/team; DSO; collection rate."""
    return reports.aging(
        db_session(),
        current_principal(),
        args["group_by"],
        args.get("currency"),
        today(),
        args["limit"],
    )


@blp.get("/cash-forecast")
@blp.arguments(ForecastArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ForecastSchema)
def cash_forecast(weeks: int, currency: str) -> dict[str, Any]:
    """Expected cash per week, shifted by each customer's late-payment history.

    With a low-high band and a backtest against "due date = cash date".
    """
    return reports.cash_forecast(db_session(), current_principal(), currency, weeks, today())


@blp.get("/credit/<uuid:customer_id>")
@blp.arguments(CreditArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CreditSchema)
def get_credit(customer_id: uuid.UUID, currency: str) -> dict[str, Any]:
    """A customer's credit risk with the figures behind it."""
    return credit.view(db_session(), customer_id, currency, today())


@blp.put("/credit/<uuid:customer_id>")
@require_roles(ADMIN)
@blp.arguments(CreditLimitSchema)
@blp.response(200, CreditSchema)
def put_credit_limit(data: dict[str, Any], customer_id: uuid.UUID) -> dict[str, Any]:
    """Set a customer's credit limit (admins)."""
    return credit.set_limit(
        db_session(), customer_id, data["currency"], data["credit_limit"], today()
    )
