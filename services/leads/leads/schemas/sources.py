"""What the lead-source routes accept and return."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema, page_of

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")


class SourceInSchema(StrictSchema):
    """A capture point with its own form key."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    channel = fields.String(load_default="web_form", validate=validate.Length(min=1, max=50))
    campaign_id = fields.UUID(load_default=None, allow_none=True)
    allowed_origins = fields.List(
        fields.String(
            validate=validate.Regexp(_ORIGIN, error="must be an origin like https://example.com")
        ),
        load_default=list,
        validate=validate.Length(max=50),
    )
    honeypot_field = fields.String(
        load_default="website_url", validate=validate.Regexp(r"^[a-z_]{1,50}$")
    )
    per_key_per_minute = fields.Integer(
        strict=True, load_default=120, validate=validate.Range(min=1, max=1_000_000)
    )
    per_client_per_minute = fields.Integer(
        strict=True, load_default=10, validate=validate.Range(min=1, max=1_000_000)
    )
    active = fields.Boolean(load_default=True)


class SourcePatchSchema(SourceInSchema):
    """Changes to a capture point (every field optional)."""


class SourceSchema(ma.Schema):
    """A capture point (its key is shown only when created or rotated)."""

    id = fields.UUID()
    name = fields.String()
    channel = fields.String()
    campaign_id = fields.UUID(allow_none=True)
    allowed_origins = fields.List(fields.String())
    honeypot_field = fields.String()
    per_key_per_minute = fields.Integer()
    per_client_per_minute = fields.Integer()
    active = fields.Boolean()
    key_hint = fields.String()
    form_key = fields.String(metadata={"description": "only in the answer that created it"})
    created_at = fields.DateTime()


SourcePageSchema = page_of(SourceSchema)
