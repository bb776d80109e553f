"""What the assignment routes accept and return: routing rules and members."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.assignment import CONDITION_FIELDS, STRATEGIES


class ConditionsSchema(StrictSchema):
    """Which leads a rule takes (an empty list matches anything)."""

    regions = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    industries = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    product_interests = fields.List(
        fields.String(validate=validate.Length(max=100)), load_default=list
    )
    sources = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)


assert set(ConditionsSchema._declared_fields) == set(CONDITION_FIELDS)


class AssignmentRuleInSchema(StrictSchema):
    """A routing rule."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    priority = fields.Integer(
        strict=True, load_default=100, validate=validate.Range(min=0, max=100000)
    )
    strategy = fields.String(required=True, validate=validate.OneOf(STRATEGIES))
    conditions = fields.Nested(ConditionsSchema, load_default=dict)
    response_minutes = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=60 * 24 * 30),
    )
    active = fields.Boolean(load_default=True)
    members = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))


class RuleMemberSchema(ma.Schema):
    """A member in a rule's rotation."""

    user_id = fields.UUID()
    position = fields.Integer()
    assigned_count = fields.Integer()


class AssignmentRuleSchema(ma.Schema):
    """A routing rule."""

    id = fields.UUID()
    name = fields.String()
    priority = fields.Integer()
    strategy = fields.String()
    conditions = fields.Dict()
    response_minutes = fields.Integer(allow_none=True)
    active = fields.Boolean()
    members = fields.List(fields.Nested(RuleMemberSchema))


class AssignmentRuleListSchema(ma.Schema):
    """Every routing rule, in priority order."""

    items = fields.List(fields.Nested(AssignmentRuleSchema))


class MemberSchema(ma.Schema):
    """Someone leads may be assigned to."""

    user_id = fields.UUID()
    username = fields.String()
    team_id = fields.UUID(allow_none=True)
    roles = fields.List(fields.String())
    active = fields.Boolean()
    accepting = fields.Boolean()
    capacity = fields.Integer()
    max_open_leads = fields.Integer(allow_none=True)
    open_leads = fields.Integer()
    conversion_rate = fields.Float(allow_none=True)
    response_minutes = fields.Float(allow_none=True)


class MemberListSchema(ma.Schema):
    """Members and their load."""

    items = fields.List(fields.Nested(MemberSchema))


class MemberUpdateSchema(StrictSchema):
    """Leads' own settings for a member."""

    accepting = fields.Boolean()
    capacity = fields.Integer(strict=True, validate=validate.Range(min=0, max=100))
    max_open_leads = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=0, max=100000)
    )
