"""Contacts of a customer."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import EmailField, StrictSchema

from .fields import OPTIONAL, bounded_text


class ContactInSchema(StrictSchema):
    """A contact person at a customer."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = bounded_text(100, **OPTIONAL)
    email = EmailField(validate=validate.Length(max=320), **OPTIONAL)
    phone = bounded_text(40, **OPTIONAL)
    notes = bounded_text(5000, **OPTIONAL)
    is_primary = fields.Boolean(load_default=False)


class ContactPatchSchema(StrictSchema):
    """Changes to a contact; ``is_primary: true`` makes it the primary contact."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    title = bounded_text(100, allow_none=True)
    email = EmailField(validate=validate.Length(max=320), allow_none=True)
    phone = bounded_text(40, allow_none=True)
    notes = bounded_text(5000, allow_none=True)
    is_primary = fields.Boolean()


class ContactSchema(StrictSchema):
    """A contact as the API shows it (phone and email blank while a pool hides them)."""

    id = fields.UUID()
    customer_id = fields.UUID()
    name = fields.String()
    title = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    is_primary = fields.Boolean()
    created_by = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ContactListSchema(StrictSchema):
    """A customer's contacts, primary first."""

    items = fields.List(fields.Nested(ContactSchema), required=True)
