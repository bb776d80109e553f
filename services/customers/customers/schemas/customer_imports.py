"""Importing customers from a file."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema


class ImportArgsSchema(StrictSchema):
    """The file name, when the CSV is sent as the raw body."""

    filename = fields.String(validate=validate.Length(min=1, max=255))
