"""Leaderboards and the what-if simulation."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import CurrencyField, StrictSchema

from .common import figure, metric_field, month_field, period_field
from .plans import PlanInSchema


class RankingArgsSchema(StrictSchema):
    """Which board."""

    period = period_field(required=True)
    metric = metric_field(required=True)
    basis = fields.String(
        load_default="absolute",
        validate=validate.OneOf(("absolute", "achievement")),
        metadata={"description": "absolute figures, or achievement against each rep's target"},
    )
    team_id = fields.UUID(metadata={"description": "default: the caller's team (admins: company)"})
    currency = CurrencyField()


class StandingSchema(StrictSchema):
    """One place."""

    owner_id = fields.UUID()
    value = figure()
    rank = fields.Integer()
    gap_to_next = figure(allow_none=True, metadata={"description": "to climb one place"})


class RankingSchema(StrictSchema):
    """A leaderboard, and the caller's own place in it."""

    period = fields.String()
    metric = fields.String()
    basis = fields.String()
    team_id = fields.UUID(allow_none=True)
    currency = fields.String(allow_none=True)
    items = fields.List(fields.Nested(StandingSchema))
    me = fields.Nested(StandingSchema, allow_none=True)


class SimulateInSchema(StrictSchema):
    """A plan to try over past months."""

    plan = fields.Nested(PlanInSchema, required=True)
    periods = fields.List(month_field(), required=True, validate=validate.Length(min=1))
    team_id = fields.UUID()


class SimulatedPeriodSchema(StrictSchema):
    """A rep's month under the plan."""

    period = fields.String()
    base = fields.String()
    target = figure(allow_none=True)
    commission = fields.String()


class SimulatedRepSchema(StrictSchema):
    """A rep under the plan."""

    owner_id = fields.UUID()
    periods = fields.List(fields.Nested(SimulatedPeriodSchema))
    total = fields.String()


class SimulationSchema(StrictSchema):
    """What each rep would have earned."""

    currency = fields.String()
    items = fields.List(fields.Nested(SimulatedRepSchema))
    total = fields.String()
