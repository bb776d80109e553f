"""Catalog shapes: categories, products, price lists."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, PageArgsSchema, StrictSchema, page_of

from .common import NOT_NEGATIVE, Percent, Qty


class CategoryInSchema(StrictSchema):
    """A new category."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent_id = fields.UUID(load_default=None, allow_none=True)


class CategoryNodeSchema(StrictSchema):
    """A category with its children."""

    id = fields.UUID()
    name = fields.String()
    parent_id = fields.UUID(allow_none=True)
    children = fields.List(fields.Nested(lambda: CategoryNodeSchema()))


class CategoryTreeSchema(StrictSchema):
    """The category tree."""

    items = fields.List(fields.Nested(CategoryNodeSchema), required=True)


class ProductInSchema(StrictSchema):
    """A new product."""

    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    unit = fields.String(validate=validate.Length(min=1, max=30))
    category_id = fields.UUID(allow_none=True)
    tax_rate = Percent()
    list_prices = fields.Dict(
        keys=CurrencyField(), values=AmountField(), metadata={"description": '{"CNY": "1200.00"}'}
    )


class ProductPatchSchema(StrictSchema):
    """A change to a product; ``status: retired`` retires it."""

    name = fields.String(validate=validate.Length(min=1, max=300))
    unit = fields.String(validate=validate.Length(min=1, max=30))
    category_id = fields.UUID(allow_none=True)
    tax_rate = Percent()
    status = fields.String(validate=validate.OneOf(["active", "retired"]))
    list_prices = fields.Dict(keys=CurrencyField(), values=AmountField())


class ProductSchema(StrictSchema):
    """A product."""

    id = fields.UUID()
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    category_id = fields.UUID(allow_none=True)
    tax_rate = Percent()
    status = fields.String()
    list_prices = fields.Dict(keys=fields.String(), values=fields.String())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ProductListArgsSchema(PageArgsSchema):
    """Filters of the product list."""

    status = fields.String(validate=validate.OneOf(["active", "retired"]))
    category_id = fields.UUID()


class PriceItemInSchema(StrictSchema):
    """A product's price in a list."""

    product_id = fields.UUID(required=True)
    min_quantity = Qty(validate=NOT_NEGATIVE)
    fixed_price = AmountField(allow_none=True)
    percent_off = Percent(allow_none=True)


class PriceListInSchema(StrictSchema):
    """A new price list."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = CurrencyField(required=True)
    customer_tier = fields.String(allow_none=True, validate=validate.Length(max=50))
    region = fields.String(allow_none=True, validate=validate.Length(max=100))
    customer_ids = fields.List(fields.UUID())
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    items = fields.List(
        fields.Nested(PriceItemInSchema), required=True, validate=validate.Length(min=1, max=5000)
    )


class PriceItemSchema(StrictSchema):
    """A price list entry."""

    product_id = fields.UUID()
    currency = CurrencyField()
    min_quantity = Qty()
    fixed_price = AmountField(allow_none=True)
    percent_off = Percent(allow_none=True)


class PriceListSchema(StrictSchema):
    """A price list."""

    id = fields.UUID()
    name = fields.String()
    currency = CurrencyField()
    customer_tier = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    customer_ids = fields.List(fields.String())
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    items = fields.List(fields.Nested(PriceItemSchema))


class PriceListListSchema(StrictSchema):
    """Every price list."""

    items = fields.List(fields.Nested(PriceListSchema), required=True)


ProductPageSchema = page_of(ProductSchema)
