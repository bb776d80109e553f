"""What the breach-risk API returns."""

from __future__ import annotations

from marshmallow import fields

from crm_shared.schemas import StrictSchema


class RiskSchema(StrictSchema):
    """One running clock's chance of breaching, and why."""

    ticket_id = fields.UUID()
    clock = fields.String()
    due_at = fields.DateTime()
    assignee_id = fields.UUID(allow_none=True)
    chance = fields.Float()
    likely = fields.Boolean()
    reasons = fields.List(fields.String())


class AccuracySchema(StrictSchema):
    """How often the prediction was right on decided clocks (replayed at half target)."""

    evaluated = fields.Integer()
    right = fields.Integer()
    accuracy = fields.Float(allow_none=True)
    precision = fields.Float(allow_none=True)
    recall = fields.Float(allow_none=True)


class RiskListSchema(StrictSchema):
    """Running clocks, riskiest first, and the prediction's record."""

    items = fields.List(fields.Nested(RiskSchema))
    accuracy = fields.Nested(AccuracySchema)
