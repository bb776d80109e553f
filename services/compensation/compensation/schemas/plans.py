"""Commission plans and credit splits."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema

from .common import figure


class TierSchema(StrictSchema):
    """A slice of achievement in percent of target, and its rate in percent."""

    from_ = figure(required=True, data_key="from")
    to = figure(allow_none=True, load_default=None)
    rate = figure(required=True, metadata={"description": "percent, 0-100"})


class ProductRateSchema(StrictSchema):
    """A multiplier for deal lines whose SKU starts with a prefix."""

    sku_prefix = fields.String(required=True, validate=validate.Length(min=1, max=100))
    multiplier = figure(required=True, metadata={"description": "0-10"})


class GateSchema(StrictSchema):
    """No accelerator unless a metric reaches a minimum (e.g. satisfaction 3.5)."""

    metric = fields.String(required=True)
    minimum = figure(required=True)


class ScorecardSchema(StrictSchema):
    """Weights per metric in percent (adding up to 100), a per-metric cap, a gate."""

    weights = fields.Dict(keys=fields.String(), values=figure(), required=True)
    cap = figure(load_default="1.5", metadata={"description": "a metric counts at most this ratio"})
    gate = fields.Nested(GateSchema, allow_none=True)


class PlanInSchema(StrictSchema):
    """A commission plan to adopt or simulate."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    team_id = fields.UUID(allow_none=True, metadata={"description": "empty: the company's plan"})
    currency = CurrencyField(required=True)
    base = fields.String(required=True, validate=validate.OneOf(("collected", "won")))
    tiers = fields.List(
        fields.Nested(TierSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    cap = AmountField(allow_none=True)
    product_rates = fields.List(fields.Nested(ProductRateSchema), load_default=list)
    clawback_window_days = fields.Integer(
        load_default=180, validate=validate.Range(min=0, max=3650)
    )
    scorecard = fields.Nested(ScorecardSchema, allow_none=True)


class PlanSchema(StrictSchema):
    """A plan as stored."""

    id = fields.UUID()
    name = fields.String()
    team_id = fields.UUID(allow_none=True)
    currency = fields.String()
    base = fields.String()
    tiers = fields.List(fields.Dict())
    cap = AmountField(allow_none=True)
    product_rates = fields.List(fields.Dict())
    clawback_window_days = fields.Integer()
    scorecard = fields.Dict(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class PlanListSchema(StrictSchema):
    """Every plan."""

    items = fields.List(fields.Nested(PlanSchema))


class SplitSchema(StrictSchema):
    """A rep's share of a deal's credit."""

    owner_id = fields.UUID(required=True)
    percent = figure(required=True, metadata={"description": "above 0, at most 100"})


class SplitsInSchema(StrictSchema):
    """How a deal's credit is shared; percentages add up to 100."""

    splits = fields.List(
        fields.Nested(SplitSchema), required=True, validate=validate.Length(min=1, max=20)
    )


class DealSchema(StrictSchema):
    """What compensation keeps of a won deal."""

    opportunity_id = fields.UUID()
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    splits = fields.List(fields.Nested(SplitSchema), allow_none=True)
    won_at = fields.DateTime(allow_none=True)
