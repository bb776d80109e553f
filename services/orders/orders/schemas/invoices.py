"""Invoice shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema


class InvoiceInSchema(StrictSchema):
    """An invoice request: the whole rest of the order, an amount, or some installments."""

    amount = AmountField()
    installment_ids = fields.List(fields.UUID())
    buyer_title = fields.String(validate=validate.Length(min=1, max=300))
    tax_number = fields.String(validate=validate.Length(min=1, max=50))
    bank = fields.String(validate=validate.Length(max=300))
    address = fields.String(validate=validate.Length(max=500))


class IssueInSchema(StrictSchema):
    """Issue an approved invoice under its number."""

    number = fields.String(required=True, validate=validate.Length(min=1, max=50))


class InvoiceSchema(StrictSchema):
    """An invoice."""

    id = fields.UUID()
    order_id = fields.UUID()
    status = fields.String()
    currency = CurrencyField()
    amount = AmountField()
    installment_ids = fields.List(fields.String())
    buyer_title = fields.String()
    tax_number = fields.String()
    bank = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    requested_by = fields.UUID()
    issued_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class InvoiceListSchema(StrictSchema):
    """An order's invoices."""

    items = fields.List(fields.Nested(InvoiceSchema), required=True)
