"""What the public web-form route returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class FormReceiptSchema(ma.Schema):
    """A form post was received."""

    status = fields.String()
