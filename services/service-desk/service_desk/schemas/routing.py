"""What the routing API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.routing import STRATEGIES
from ..rules.ticket_status import CHANNELS, PRIORITIES

SKILLS = fields.List(
    fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=20)
)


class GroupInSchema(StrictSchema):
    """A new support group."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    strategy = fields.String(load_default="round_robin", validate=validate.OneOf(STRATEGIES))
    cap_per_agent = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10000)
    )
    lead_id = fields.UUID(load_default=None, allow_none=True)
    calendar_id = fields.UUID(load_default=None, allow_none=True)


class GroupSchema(GroupInSchema):
    """A kept group."""

    id = fields.UUID()


class GroupListSchema(StrictSchema):
    """Every group."""

    items = fields.List(fields.Nested(GroupSchema))


class AgentInSchema(StrictSchema):
    """An agent's skills and availability in a group."""

    skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=20)
    )
    available = fields.Boolean()


class AgentSchema(StrictSchema):
    """An agent of a group."""

    group_id = fields.UUID()
    user_id = fields.UUID()
    skills = fields.List(fields.String())
    available = fields.Boolean()
    last_assigned_at = fields.DateTime(allow_none=True)


class AgentListSchema(StrictSchema):
    """A group's agents."""

    items = fields.List(fields.Nested(AgentSchema))


class RuleInSchema(StrictSchema):
    """A routing rule: conditions (empty: any) and the group matches go to."""

    group_id = fields.UUID(required=True)
    position = fields.Integer(load_default=100, validate=validate.Range(min=0, max=100000))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    priority = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(PRIORITIES)
    )
    tier = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CHANNELS))
    product_id = fields.UUID(load_default=None, allow_none=True)
    skills = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class RuleSchema(RuleInSchema):
    """A kept rule."""

    id = fields.UUID()


class RuleListSchema(StrictSchema):
    """Every rule, in the order they are tried."""

    items = fields.List(fields.Nested(RuleSchema))


class ReassignSchema(StrictSchema):
    """Give a ticket to another group and/or agent; the reason is kept."""

    group_id = fields.UUID(allow_none=True)
    assignee_id = fields.UUID(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
