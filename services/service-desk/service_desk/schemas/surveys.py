"""What the public survey endpoint accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema


class SurveyAnswerSchema(StrictSchema):
    """The customer's rating (1-5) and an optional comment."""

    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SurveyViewSchema(StrictSchema):
    """What a survey link shows: nothing beyond the ticket it is about."""

    subject = fields.String()
    status = fields.String()
    answered = fields.Boolean()
    expires_at = fields.DateTime()
