"""Performance figures for a user, a team or the company."""

from __future__ import annotations

from marshmallow import fields

from crm_shared.schemas import CurrencyField, StrictSchema

from .common import figure, period_field


class PerformanceArgsSchema(StrictSchema):
    """Whose figures, for which period, headlined in which currency."""

    owner_id = fields.UUID(metadata={"description": "default: the caller"})
    team_id = fields.UUID(metadata={"description": "a team's figures instead of a rep's"})
    company = fields.Boolean(metadata={"description": "the whole company's figures"})
    period = period_field(load_default=None)
    currency = CurrencyField(
        metadata={"description": "default: the only currency used, else the plan's"}
    )


class CurrencyTotalsSchema(StrictSchema):
    """Money won and collected in one currency."""

    currency = fields.String()
    won_amount = fields.String()
    collected_amount = fields.String()


class MetricSchema(StrictSchema):
    """One metric's actual beside its three levels and the achievement of each."""

    metric = fields.String()
    currency = fields.String(allow_none=True)
    actual = figure(allow_none=True)
    target = figure(allow_none=True)
    stretch = figure(allow_none=True)
    challenge = figure(allow_none=True)
    achievement = figure(allow_none=True, metadata={"description": "actual / target (1 = 100%)"})
    stretch_achievement = figure(allow_none=True)
    challenge_achievement = figure(allow_none=True)


class PerformanceSchema(StrictSchema):
    """Figures for a period."""

    subject = fields.String(metadata={"description": "user, team or company"})
    owner_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    period = fields.String()
    currency = fields.String()
    won_amount = fields.String(metadata={"description": "decimal string, in currency"})
    collected_amount = fields.String(
        metadata={"description": "decimal string, in currency, net of refunds"}
    )
    refunded_amount = fields.String()
    deals_won = fields.Integer()
    payments = fields.Integer()
    rated_tickets = fields.Integer()
    qualified_leads = fields.Integer()
    new_customers = fields.Integer()
    avg_satisfaction = fields.Decimal(as_string=True, allow_none=True)
    metrics = fields.List(fields.Nested(MetricSchema))
    score = figure(allow_none=True, metadata={"description": "the scorecard's weighted score"})
    accelerator_gate_met = fields.Boolean(allow_none=True)
    totals = fields.List(fields.Nested(CurrencyTotalsSchema))
