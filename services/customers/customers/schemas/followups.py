"""Follow-ups."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema, page_of

from .fields import AwareDateTime, PeriodArgsSchema

FOLLOWUP_KINDS = ("call", "visit", "email", "meeting", "note")


class FollowUpInSchema(StrictSchema):
    """A follow-up to log."""

    kind = fields.String(required=True, validate=validate.OneOf(FOLLOWUP_KINDS))
    content = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    occurred_at = AwareDateTime(load_default=None, allow_none=True)
    next_followup_at = AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "plans a follow-up task"}
    )
    contact_id = fields.UUID(load_default=None, allow_none=True)


class FollowUpSchema(StrictSchema):
    """A logged follow-up."""

    id = fields.UUID()
    customer_id = fields.UUID()
    contact_id = fields.UUID(allow_none=True)
    kind = fields.String()
    content = fields.String()
    outcome = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    next_followup_at = fields.DateTime(allow_none=True)
    author_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    visit_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class FollowUpListArgsSchema(PeriodArgsSchema):
    """Filters of the follow-up list."""

    customer_id = fields.UUID()
    author_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(FOLLOWUP_KINDS))


FollowUpPageSchema = page_of(FollowUpSchema)
