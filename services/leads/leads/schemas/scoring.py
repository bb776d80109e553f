"""What the scoring routes accept and return: rules, qualification settings, the model."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.lifecycle import ACTIVITY_KINDS
from ..rules.scoring import ATTRIBUTE_FIELDS, OPERATORS


class ScoringRuleInSchema(StrictSchema):
    """An attribute rule (field, operator, value) or a behaviour rule (activity kind)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(("attribute", "behaviour")))
    field = fields.String(load_default=None, validate=validate.OneOf(ATTRIBUTE_FIELDS))
    operator = fields.String(load_default=None, validate=validate.OneOf(OPERATORS))
    value = fields.Raw(load_default=None, allow_none=True)
    activity_kind = fields.String(load_default=None, validate=validate.OneOf(ACTIVITY_KINDS))
    points = fields.Integer(strict=True, required=True, validate=validate.Range(min=-100, max=100))
    half_life_days = fields.Float(load_default=None, validate=validate.Range(min=0.1, max=3650))
    cap = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1, max=100))
    active = fields.Boolean(load_default=True)

    @ma.validates_schema
    def _complete(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("kind") == "attribute":
            for name in ("field", "operator"):
                if not data.get(name):
                    raise ma.ValidationError("is required for an attribute rule", name)
            if data.get("operator") != "exists" and data.get("value") is None:
                raise ma.ValidationError("is required for this operator", "value")
            value = data.get("value")
            if value is not None and not isinstance(value, str | int | float | list):
                raise ma.ValidationError("must be a string, a number or a list", "value")
        elif data.get("kind") == "behaviour":
            if not data.get("activity_kind"):
                raise ma.ValidationError("is required for a behaviour rule", "activity_kind")
            if data.get("points", 1) <= 0:
                raise ma.ValidationError(
                    "must be positive for behaviour (decay must never raise a score)", "points"
                )


class ScoringRuleSchema(ma.Schema):
    """A scoring rule."""

    id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    field = fields.String(allow_none=True)
    operator = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)
    activity_kind = fields.String(allow_none=True)
    points = fields.Integer()
    half_life_days = fields.Float(allow_none=True)
    cap = fields.Integer(allow_none=True)
    active = fields.Boolean()


class ScoringRuleListSchema(ma.Schema):
    """Every scoring rule."""

    items = fields.List(fields.Nested(ScoringRuleSchema))


class QualificationSettingsSchema(StrictSchema):
    """Automatic qualification, and the learned model's part in the score."""

    auto_qualify = fields.Boolean(load_default=False)
    threshold = fields.Integer(
        strict=True, load_default=80, validate=validate.Range(min=0, max=100)
    )
    model_enabled = fields.Boolean(load_default=False)
    model_weight = fields.Float(load_default=0.3, validate=validate.Range(min=0, max=1))


class ModelSchema(ma.Schema):
    """The optional learned model and how well it predicts."""

    trained = fields.Boolean()
    accuracy = fields.Float(allow_none=True)
    baseline_accuracy = fields.Float(allow_none=True)
    trained_on = fields.Integer()
    tested_on = fields.Integer()
    top_features = fields.List(fields.Dict())
