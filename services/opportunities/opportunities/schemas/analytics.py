"""What the funnel endpoint accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema


class FunnelArgsSchema(StrictSchema):
    """Which deals the funnel counts: one pipeline, created in [from, to), one owner or team."""

    pipeline_id = fields.UUID()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    owner_id = fields.UUID()
    team_id = fields.UUID()
    group_by = fields.String(validate=validate.OneOf(("owner", "team")))


class MoneySchema(StrictSchema):
    """An amount in one currency."""

    currency = CurrencyField()
    amount = AmountField()


class FunnelStageSchema(StrictSchema):
    """One stage of the funnel."""

    stage_id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    reached = fields.Integer(metadata={"description": "deals of the cohort that entered it"})
    current = fields.Integer(metadata={"description": "deals of the cohort in it now"})
    current_amounts = fields.List(fields.Nested(MoneySchema))
    conversion_to_next = fields.Float(allow_none=True)
    median_days_in_stage = fields.Float(allow_none=True)


class FunnelGroupSchema(StrictSchema):
    """The cohort's results for one owner or team."""

    key = fields.String()
    deals = fields.Integer()
    won = fields.Integer()
    lost = fields.Integer()
    win_rate = fields.Float(allow_none=True)
    won_amounts = fields.List(fields.Nested(MoneySchema))


class FunnelSchema(StrictSchema):
    """The funnel of a pipeline over a period."""

    pipeline_id = fields.UUID()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    deals = fields.Integer()
    won = fields.Integer()
    lost = fields.Integer()
    win_rate = fields.Float(allow_none=True)
    average_won_amounts = fields.List(fields.Nested(MoneySchema))
    median_sales_cycle_days = fields.Float(allow_none=True)
    stages = fields.List(fields.Nested(FunnelStageSchema))
    groups = fields.List(fields.Nested(FunnelGroupSchema))
