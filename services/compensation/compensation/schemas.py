"""What the compensation API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import CurrencyField, StrictSchema

from .performance import PERIOD


class PerformanceArgsSchema(StrictSchema):
    """Whose figures, for which month, headlined in which currency."""

    owner_id = fields.UUID(metadata={"description": "default: the caller"})
    period = fields.String(
        validate=validate.Regexp(PERIOD, error="must be YYYY-MM"),
        metadata={"description": "YYYY-MM, default: this month (UTC)"},
    )
    currency = CurrencyField(
        metadata={"description": "default: the only currency used, else the plan's"}
    )


class CurrencyTotalsSchema(StrictSchema):
    """Money won and collected in one currency."""

    currency = fields.String()
    won_amount = fields.String()
    collected_amount = fields.String()


class PerformanceSchema(StrictSchema):
    """A rep's figures for a month."""

    owner_id = fields.UUID()
    period = fields.String()
    currency = fields.String()
    won_amount = fields.String(metadata={"description": "decimal string, in currency"})
    collected_amount = fields.String(metadata={"description": "decimal string, in currency"})
    deals_won = fields.Integer()
    payments = fields.Integer()
    rated_tickets = fields.Integer()
    avg_satisfaction = fields.Decimal(as_string=True, allow_none=True)
    totals = fields.List(fields.Nested(CurrencyTotalsSchema))
