"""What the ticket API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema, page_of

from ..rules.ticket_status import CHANNELS, PRIORITIES, STATUSES, TYPES

TAG = fields.String(validate=validate.Length(min=1, max=50))


class TicketInSchema(StrictSchema):
    """A new ticket."""

    customer_id = fields.UUID(required=True)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=20000)
    )
    type = fields.String(load_default="question", validate=validate.OneOf(TYPES))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    tier = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))
    contact_id = fields.UUID(load_default=None, allow_none=True)
    order_id = fields.UUID(load_default=None, allow_none=True)
    product_id = fields.UUID(load_default=None, allow_none=True)
    tags = fields.List(TAG, load_default=list, validate=validate.Length(max=20))


class TicketPatchSchema(StrictSchema):
    """Fields of a ticket that can change (status moves have their own endpoint)."""

    type = fields.String(validate=validate.OneOf(TYPES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    tier = fields.String(allow_none=True, validate=validate.Length(max=40))
    category = fields.String(allow_none=True, validate=validate.Length(max=100))
    contact_id = fields.UUID(allow_none=True)
    order_id = fields.UUID(allow_none=True)
    product_id = fields.UUID(allow_none=True)
    tags = fields.List(TAG, validate=validate.Length(max=20))


class StatusMoveSchema(StrictSchema):
    """Move a ticket to another status."""

    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CloseSchema(StrictSchema):
    """Close a ticket, with the rating the customer gave an agent (1-5) if any."""

    satisfaction = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=5)
    )


class RatingInSchema(StrictSchema):
    """A rating the customer gave an agent (by phone)."""

    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MergeSchema(StrictSchema):
    """Merge this ticket into another of the same customer."""

    into_id = fields.UUID(required=True)


class ClockSchema(StrictSchema):
    """One SLA clock's state on read."""

    name = fields.String()
    key = fields.String()
    target_minutes = fields.Integer()
    started_at = fields.DateTime()
    due_at = fields.DateTime()
    elapsed_minutes = fields.Float()
    remaining_minutes = fields.Float()
    state = fields.String(validate=validate.OneOf(("running", "paused", "met", "breached")))
    stopped_at = fields.DateTime(allow_none=True)


class SlaSchema(StrictSchema):
    """The policy that applies to a ticket and its clocks."""

    policy_id = fields.UUID(allow_none=True)
    policy_name = fields.String(allow_none=True)
    clocks = fields.List(fields.Nested(ClockSchema))


class StatusChangeSchema(StrictSchema):
    """One move of the status history."""

    status = fields.String()
    at = fields.DateTime()
    by = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)


class TicketSchema(StrictSchema):
    """A ticket as the API shows it."""

    id = fields.UUID()
    customer_id = fields.UUID()
    subject = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    type = fields.String()
    priority = fields.String()
    tier = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    channel = fields.String()
    contact_id = fields.UUID(allow_none=True)
    order_id = fields.UUID(allow_none=True)
    product_id = fields.UUID(allow_none=True)
    tags = fields.List(fields.String())
    assignee_id = fields.UUID(allow_none=True)
    group_id = fields.UUID(allow_none=True)
    merged_into_id = fields.UUID(allow_none=True)
    satisfaction = fields.Integer(allow_none=True)
    rating_channel = fields.String(allow_none=True)
    rated_at = fields.DateTime(allow_none=True)
    opened_by = fields.UUID(allow_none=True)
    opened_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    closed_by = fields.UUID(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    sla = fields.Nested(SlaSchema)


class TicketDetailSchema(TicketSchema):
    """A ticket with its followers and status history."""

    followers = fields.List(fields.UUID())
    customer_link = fields.String()
    history = fields.List(fields.Nested(StatusChangeSchema))


class TicketListArgsSchema(PageArgsSchema):
    """Filters of the ticket list."""

    customer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    category = fields.String(validate=validate.Length(max=100))
    assignee_id = fields.UUID()
    group_id = fields.UUID()


TicketPageSchema = page_of(TicketSchema)
