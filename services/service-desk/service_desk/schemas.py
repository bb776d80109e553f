"""What the service desk API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema, page_of

from .lifecycle import STATUSES


class TicketInSchema(StrictSchema):
    """A new ticket."""

    customer_id = fields.UUID(required=True)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=20000)
    )


class CloseSchema(StrictSchema):
    """How the customer rated the service, 1 (poor) to 5 (excellent)."""

    satisfaction = fields.Integer(required=True, validate=validate.Range(min=1, max=5))


class TicketSchema(StrictSchema):
    """A ticket as the API shows it."""

    id = fields.UUID()
    customer_id = fields.UUID()
    subject = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    satisfaction = fields.Integer(allow_none=True)
    opened_by = fields.UUID(allow_none=True)
    opened_at = fields.DateTime()
    closed_by = fields.UUID(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class TicketListArgsSchema(PageArgsSchema):
    """Filters of the ticket list."""

    customer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(STATUSES))


TicketPageSchema = page_of(TicketSchema)
