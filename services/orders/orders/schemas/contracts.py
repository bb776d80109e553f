"""Contract shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import CurrencyField, PageArgsSchema, StrictSchema, page_of

from .common import DocumentSchema, LineInSchema, Percent


class _Header(StrictSchema):
    title = fields.String(validate=validate.Length(max=300))
    our_signatory = fields.String(allow_none=True, validate=validate.Length(max=200))
    their_signatory = fields.String(allow_none=True, validate=validate.Length(max=200))
    signed_on = fields.Date(allow_none=True)
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    terms = fields.String(allow_none=True, validate=validate.Length(max=20000))


class ContractInSchema(_Header):
    """A contract by hand."""

    customer_id = fields.UUID(required=True)
    customer_tier = fields.String(validate=validate.Length(max=50))
    region = fields.String(validate=validate.Length(max=100))
    opportunity_id = fields.UUID(allow_none=True)
    currency = CurrencyField(required=True)
    document_discount = Percent()
    lines = fields.List(
        fields.Nested(LineInSchema), required=True, validate=validate.Length(min=1, max=20000)
    )


class ContractFromQuoteSchema(_Header):
    """A contract from an accepted quote."""

    quote_id = fields.UUID(required=True)


class ContractPatchSchema(_Header):
    """A change to a draft or rejected contract."""

    document_discount = Percent()
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(min=1, max=20000))


class AttachmentSchema(StrictSchema):
    """A file attached to a contract."""

    id = fields.UUID()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class ContractSchema(DocumentSchema):
    """A contract."""

    number = fields.String()
    previous_id = fields.UUID(allow_none=True)
    renewed_from_id = fields.UUID(allow_none=True)
    quote_id = fields.UUID(allow_none=True)
    our_signatory = fields.String(allow_none=True)
    their_signatory = fields.String(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    terms = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approval_request_id = fields.UUID(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema))


class ContractListArgsSchema(PageArgsSchema):
    """Filters of the contract list."""

    customer_id = fields.UUID()
    opportunity_id = fields.UUID()
    number = fields.String()
    status = fields.String()


class RenewalArgsSchema(StrictSchema):
    """Contracts ending within ``days``."""

    days = fields.Integer(load_default=60, validate=validate.Range(1, 730))


class ContractListSchema(StrictSchema):
    """A list of contracts."""

    items = fields.List(fields.Nested(ContractSchema), required=True)


ContractPageSchema = page_of(ContractSchema)
