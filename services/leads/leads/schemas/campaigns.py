"""What the campaign routes accept and return (money as the shared amount and currency fields)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema, check_amount, page_of


class CampaignInSchema(StrictSchema):
    """A campaign."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    channel = fields.String(required=True, validate=validate.Length(min=1, max=50))
    description = fields.String(load_default=None, allow_none=True)
    budget = AmountField(load_default=None, allow_none=True)
    currency = CurrencyField(load_default=None, allow_none=True)
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)

    @ma.validates_schema
    def _consistent(self, data: dict[str, Any], partial: Any = None, **_kwargs: Any) -> None:
        budget, currency = data.get("budget"), data.get("currency")
        if budget is not None and currency is None and not partial:
            raise ma.ValidationError("is required with a budget", "currency")
        if budget is not None and currency is not None:
            problem = check_amount(budget, currency)
            if problem:
                raise ma.ValidationError(problem, "budget")
            if budget < 0:
                raise ma.ValidationError("must not be negative", "budget")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ma.ValidationError("is before starts_on", "ends_on")


class CampaignPatchSchema(CampaignInSchema):
    """Changes to a campaign (every field optional)."""


class RevenueSchema(ma.Schema):
    """Revenue in one currency."""

    amount = AmountField()
    currency = CurrencyField()


class CampaignStatsSchema(ma.Schema):
    """A campaign's results."""

    captured = fields.Integer()
    qualified = fields.Integer()
    won = fields.Integer()
    revenue = fields.List(fields.Nested(RevenueSchema))
    cost_per_lead = AmountField(allow_none=True)
    qualification_rate = fields.Float(allow_none=True)
    roi = fields.String(allow_none=True, metadata={"description": "(revenue - budget) / budget"})


class CampaignSchema(ma.Schema):
    """A campaign and its results."""

    id = fields.UUID()
    name = fields.String()
    channel = fields.String()
    description = fields.String(allow_none=True)
    budget = AmountField(allow_none=True)
    currency = CurrencyField(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()
    stats = fields.Nested(CampaignStatsSchema)


CampaignPageSchema = page_of(CampaignSchema)
