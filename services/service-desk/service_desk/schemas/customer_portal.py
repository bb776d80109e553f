"""What the customer's ticket page accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema


class PromiseSchema(StrictSchema):
    """When the team has promised to answer or resolve."""

    name = fields.String()
    due_at = fields.DateTime()
    state = fields.String()


class PortalMessageSchema(StrictSchema):
    """A public entry of the thread."""

    from_ = fields.String(data_key="from")
    body = fields.String()
    created_at = fields.DateTime()


class PortalViewSchema(StrictSchema):
    """The customer's page of their ticket."""

    subject = fields.String()
    status = fields.String()
    opened_at = fields.DateTime()
    promise = fields.List(fields.Nested(PromiseSchema))
    thread = fields.List(fields.Nested(PortalMessageSchema))


class PortalReplySchema(StrictSchema):
    """The customer's reply."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
