"""Order and delivery shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, PageArgsSchema, StrictSchema, page_of

from .common import Qty


class OrderLineSchema(StrictSchema):
    """An order line with what was delivered."""

    id = fields.UUID()
    position = fields.Integer()
    product_id = fields.UUID(allow_none=True)
    sku = fields.String(allow_none=True)
    name = fields.String()
    quantity = Qty()
    delivered_quantity = Qty()
    currency = CurrencyField()
    unit_price = AmountField()
    amount = AmountField()


class OrderSchema(StrictSchema):
    """An order as the API shows it."""

    id = fields.UUID()
    opportunity_id = fields.UUID(allow_none=True)
    contract_id = fields.UUID(allow_none=True)
    customer_id = fields.UUID()
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    amount = AmountField()
    paid_amount = AmountField()
    outstanding_amount = AmountField()
    invoiced_amount = AmountField()
    currency = CurrencyField()
    status = fields.String(metadata={"description": "payment state: open | paid"})
    fulfilment = fields.String(
        metadata={"description": "active | delivered | completed | cancelled"}
    )
    cancel_reason = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrderListArgsSchema(PageArgsSchema):
    """Filters of the order list."""

    opportunity_id = fields.UUID()
    customer_id = fields.UUID()
    contract_id = fields.UUID()


class DeliveryLineInSchema(StrictSchema):
    """How much of one order line is delivered."""

    order_line_id = fields.UUID(required=True)
    quantity = Qty(required=True)


class DeliveryInSchema(StrictSchema):
    """A (partial) delivery."""

    delivered_on = fields.Date(required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    lines = fields.List(
        fields.Nested(DeliveryLineInSchema), required=True, validate=validate.Length(min=1)
    )


class DeliverySchema(StrictSchema):
    """A delivery."""

    id = fields.UUID()
    delivered_on = fields.Date()
    note = fields.String(allow_none=True)
    created_by = fields.UUID(allow_none=True)
    lines = fields.List(fields.Nested(DeliveryLineInSchema))


class DeliveryListSchema(StrictSchema):
    """An order's deliveries."""

    items = fields.List(fields.Nested(DeliverySchema), required=True)


OrderPageSchema = page_of(OrderSchema)
