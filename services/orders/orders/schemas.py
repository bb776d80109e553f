"""What the orders API accepts and returns."""

from __future__ import annotations

from marshmallow import fields

from crm_shared.schemas import (
    AmountField,
    CurrencyField,
    MoneyInSchema,
    PageArgsSchema,
    StrictSchema,
    page_of,
)


class OrderSchema(StrictSchema):
    """An order as the API shows it."""

    id = fields.UUID()
    opportunity_id = fields.UUID(allow_none=True)
    customer_id = fields.UUID()
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    amount = AmountField()
    paid_amount = AmountField()
    outstanding_amount = AmountField()
    currency = CurrencyField()
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrderListArgsSchema(PageArgsSchema):
    """Filters of the order list."""

    opportunity_id = fields.UUID()
    customer_id = fields.UUID()


class PaymentInSchema(MoneyInSchema):
    """A payment received."""


class PaymentSchema(StrictSchema):
    """A payment as the API shows it."""

    id = fields.UUID()
    order_id = fields.UUID()
    amount = AmountField()
    currency = CurrencyField()
    received_at = fields.DateTime()
    recorded_by = fields.UUID(allow_none=True)


class PaymentListSchema(StrictSchema):
    """An order's payments, oldest first."""

    items = fields.List(fields.Nested(PaymentSchema), required=True)


OrderPageSchema = page_of(OrderSchema)
