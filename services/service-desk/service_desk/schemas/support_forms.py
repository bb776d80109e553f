"""What the support-form API accepts and returns."""

from __future__ import annotations

from marshmallow import INCLUDE, fields, validate

from crm_shared.schemas import StrictSchema


class FormInSchema(StrictSchema):
    """A new support form."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    product_id = fields.UUID(load_default=None, allow_none=True)
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    honeypot_field = fields.String(
        load_default="website", validate=validate.Regexp(r"^[a-z_]{1,40}$")
    )
    per_client_per_minute = fields.Integer(load_default=5, validate=validate.Range(min=1, max=1000))
    per_key_per_minute = fields.Integer(
        load_default=120, validate=validate.Range(min=1, max=100000)
    )


class FormSchema(FormInSchema):
    """A kept form; ``key`` goes in its public address."""

    id = fields.UUID()
    key = fields.String()
    active = fields.Boolean()


class SubmissionSchema(StrictSchema):
    """What a visitor sends (the form's hidden honeypot field passes through)."""

    class Meta:
        unknown = INCLUDE

    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class ReceiptSchema(StrictSchema):
    """The same answer for every accepted submission."""

    received = fields.Boolean()


class FormRequestSchema(StrictSchema):
    """A submission waiting for an agent."""

    id = fields.UUID()
    form_id = fields.UUID()
    email = fields.String()
    name = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String()
    ticket_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class FormRequestListSchema(StrictSchema):
    """Waiting submissions, oldest first."""

    items = fields.List(fields.Nested(FormRequestSchema))


class AcceptSchema(StrictSchema):
    """The customer a waiting submission belongs to."""

    customer_id = fields.UUID(required=True)
