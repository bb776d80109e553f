"""What the SLA-policy API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.ticket_status import PRIORITIES


def _minutes() -> fields.Integer:
    return fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=60 * 24 * 365)
    )


class PolicyInSchema(StrictSchema):
    """An SLA policy: conditions (empty: any) and targets in business minutes."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    position = fields.Integer(load_default=100, validate=validate.Range(min=0, max=100000))
    priority = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(PRIORITIES)
    )
    tier = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    customer_id = fields.UUID(load_default=None, allow_none=True)
    first_response_minutes = _minutes()
    next_response_minutes = _minutes()
    resolution_minutes = _minutes()
    warn_before_minutes = fields.Integer(
        load_default=30, validate=validate.Range(min=0, max=60 * 24 * 365)
    )
    calendar_id = fields.UUID(load_default=None, allow_none=True)
    escalate_to = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=10))
    active = fields.Boolean(load_default=True)


class PolicySchema(PolicyInSchema):
    """A kept SLA policy."""

    id = fields.UUID()


class PolicyListSchema(StrictSchema):
    """Every policy, in the order they are tried."""

    items = fields.List(fields.Nested(PolicySchema))
