"""Quote shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import CurrencyField, PageArgsSchema, StrictSchema, page_of

from .common import DocumentSchema, LineInSchema, Percent


class QuoteInSchema(StrictSchema):
    """A new quote."""

    customer_id = fields.UUID(required=True)
    customer_name = fields.String(validate=validate.Length(max=300))
    customer_tier = fields.String(
        validate=validate.Length(max=50), metadata={"description": "for tier price lists"}
    )
    region = fields.String(validate=validate.Length(max=100))
    opportunity_id = fields.UUID(allow_none=True)
    currency = CurrencyField(required=True)
    title = fields.String(validate=validate.Length(max=300))
    valid_until = fields.Date(allow_none=True)
    notes = fields.String(validate=validate.Length(max=5000))
    document_discount = Percent()
    lines = fields.List(
        fields.Nested(LineInSchema), required=True, validate=validate.Length(min=1, max=20000)
    )


class QuoteReviseSchema(StrictSchema):
    """What changes in a new version (the rest is copied)."""

    title = fields.String(validate=validate.Length(max=300))
    valid_until = fields.Date(allow_none=True)
    notes = fields.String(validate=validate.Length(max=5000))
    document_discount = Percent()
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(min=1, max=20000))


class QuoteSchema(DocumentSchema):
    """A quote."""

    root_id = fields.UUID()
    number = fields.String()
    customer_name = fields.String(allow_none=True)
    customer_tier = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class QuoteListArgsSchema(PageArgsSchema):
    """Filters of the quote list."""

    customer_id = fields.UUID()
    opportunity_id = fields.UUID()
    root_id = fields.UUID(metadata={"description": "every version of one quote"})
    status = fields.String(
        validate=validate.OneOf(["draft", "sent", "accepted", "rejected", "expired", "superseded"])
    )


QuotePageSchema = page_of(QuoteSchema)
