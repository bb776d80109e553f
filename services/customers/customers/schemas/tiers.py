"""Tiers: thresholds, a customer's tier explained, the summary."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.tiers import TIERS
from .pools import _DAYS


class TierConfigSchema(StrictSchema):
    """Where the tier lines are drawn (money only in ``currency`` counts)."""

    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    window_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    high_value_monetary = fields.String(
        validate=validate.Regexp(r"^[0-9]{1,15}(\.[0-9]{1,4})?$", error="must be a decimal string"),
        metadata={"description": "decimal amount as a string", "example": "50000"},
    )
    high_value_frequency = fields.Integer(validate=validate.Range(min=0, max=100000))
    high_value_recency_days = fields.Integer(validate=_DAYS)
    at_risk_recency_days = fields.Integer(validate=_DAYS)
    at_risk_satisfaction = fields.Float(validate=validate.Range(min=0, max=5))
    at_risk_min_rated_tickets = fields.Integer(validate=validate.Range(min=1, max=1000))
    at_risk_open_tickets = fields.Integer(
        validate=validate.Range(min=0, max=1000), metadata={"description": "0: not used"}
    )
    churned_recency_days = fields.Integer(validate=_DAYS)


class TierExplanationSchema(StrictSchema):
    """A tier and the figures that put a customer there."""

    customer_id = fields.UUID()
    tier = fields.String(metadata={"enum": list(TIERS)})
    reasons = fields.List(fields.String())
    figures = fields.Dict()
    thresholds = fields.Dict()
    computed_at = fields.String()


class TierSummarySchema(StrictSchema):
    """How many visible customers are in each tier."""

    high_value = fields.Integer()
    potential = fields.Integer()
    at_risk = fields.Integer()
    churned = fields.Integer()


class RecomputeSchema(StrictSchema):
    """How many customers a recomputation covered."""

    recomputed = fields.Integer()
