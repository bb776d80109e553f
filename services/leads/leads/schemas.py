"""What the leads API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema, page_of

from .lifecycle import STATUSES


class LeadInSchema(StrictSchema):
    """A new lead."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class LeadSchema(StrictSchema):
    """A lead as the API shows it."""

    id = fields.UUID(dump_only=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    owner_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    qualified_at = fields.DateTime(allow_none=True)
    disqualified_reason = fields.String(allow_none=True)


class LeadListArgsSchema(PageArgsSchema):
    """Filters of the lead list."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    owner_id = fields.UUID()


LeadPageSchema = page_of(LeadSchema)
