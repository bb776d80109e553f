"""What inbound email and the contact copy accept and return."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema


class OutcomeSchema(StrictSchema):
    """What became of an inbound message."""

    action = fields.String(validate=validate.OneOf(("opened", "replied", "ignored")))
    ticket_id = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)


class ContactInSchema(StrictSchema):
    """An email address of a customer's contact, so mail from it finds the customer."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    customer_id = fields.UUID(required=True)
    contact_id = fields.UUID(load_default=None, allow_none=True)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ContactSchema(ContactInSchema):
    """A kept contact address."""

    id = fields.UUID()
