"""Shapes several capabilities share: decimals, percentages, priced lines."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema


def _zero_to_hundred(value: Decimal) -> None:
    # A plain function, not validate.Range: apispec would print the Decimal
    # bounds as strings, which is not a valid JSON Schema maximum.
    if not 0 <= value <= 100:
        raise ValidationError("must be 0 to 100 percent")


def _not_negative(value: Decimal) -> None:
    if value < 0:
        raise ValidationError("must not be negative")


def Percent(**kwargs):  # noqa: N802 - a field factory, named like a field
    """A percentage 0-100 as a decimal string."""
    kwargs.setdefault("validate", _zero_to_hundred)
    return fields.Decimal(
        as_string=True,
        allow_nan=False,
        metadata={"type": "string", "description": "percent, 0-100"},
        **kwargs,
    )


def Qty(**kwargs):  # noqa: N802
    """A quantity as a decimal string."""
    return fields.Decimal(
        as_string=True,
        allow_nan=False,
        metadata={"type": "string", "description": "decimal quantity"},
        **kwargs,
    )


class LineInSchema(StrictSchema):
    """A document line: a catalog product, or a free line with its own price."""

    product_id = fields.UUID()
    name = fields.String(validate=validate.Length(min=1, max=300))
    unit = fields.String(validate=validate.Length(max=30))
    quantity = Qty(required=True)
    unit_price = AmountField(
        metadata={"description": "free lines only; catalog lines are priced by price lists"}
    )
    discount = Percent(load_default=None)
    tax_rate = Percent(load_default=None)


class LineSchema(StrictSchema):
    """A priced line as the API shows it."""

    id = fields.UUID()
    position = fields.Integer()
    product_id = fields.UUID(allow_none=True)
    sku = fields.String(allow_none=True)
    name = fields.String()
    unit = fields.String()
    quantity = Qty()
    currency = CurrencyField()
    list_price = AmountField(allow_none=True)
    unit_price = AmountField()
    price_list_id = fields.UUID(allow_none=True)
    discount = Percent()
    tax_rate = Percent()
    net_amount = AmountField()
    document_discount = AmountField()
    amount = AmountField()
    tax_amount = AmountField()


class DocumentSchema(StrictSchema):
    """Fields every priced document shows."""

    id = fields.UUID()
    version = fields.Integer()
    title = fields.String()
    status = fields.String()
    customer_id = fields.UUID()
    opportunity_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    currency = CurrencyField()
    document_discount = Percent()
    subtotal = AmountField()
    discount_amount = AmountField()
    tax_amount = AmountField()
    total = AmountField()
    credit_risk = fields.String(
        metadata={"description": "the customer's credit risk now: low|medium|high"}
    )
    lines = fields.List(fields.Nested(LineSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReasonSchema(StrictSchema):
    """Why (cancel, void)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


NOT_NEGATIVE = _not_negative
