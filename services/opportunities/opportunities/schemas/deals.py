"""What the deal endpoints accept and return."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import (
    AmountField,
    CurrencyField,
    MoneyInSchema,
    PageArgsSchema,
    StrictSchema,
    page_of,
)

from ..rules.risk import LEVELS
from ..rules.stages import CONTACT_ROLES, FORECAST_CATEGORIES


class DecimalString(AmountField):
    """A decimal number given as a string (never a float)."""


SORT_CHOICES = [
    prefix + name
    for name in ("amount", "expected_close_date", "probability", "updated_at", "created_at")
    for prefix in ("", "-")
]


class ContactInSchema(StrictSchema):
    """A customer's contact on the deal, with a role."""

    contact_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(CONTACT_ROLES))


class ContactSchema(StrictSchema):
    """A deal's contact."""

    contact_id = fields.UUID()
    name = fields.String()
    role = fields.String()


class LineInSchema(StrictSchema):
    """A line item (a copy of the catalog's product)."""

    product_id = fields.UUID(load_default=None, allow_none=True)
    sku = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # Ranges are checked by the use case: OpenAPI has no minimum for decimal strings.
    quantity = DecimalString(required=True)
    unit_price = AmountField(required=True)
    discount = DecimalString(load_default=None, metadata={"description": "percent, 0-100"})
    tax_rate = DecimalString(load_default=None, allow_none=True)


class LineSchema(StrictSchema):
    """A deal's line item."""

    product_id = fields.UUID(allow_none=True)
    sku = fields.String(allow_none=True)
    name = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit_price = AmountField()
    discount = fields.Decimal(as_string=True)
    tax_rate = fields.Decimal(as_string=True, allow_none=True)
    amount = AmountField()


class OpportunityInSchema(MoneyInSchema):
    """A new opportunity for a customer the caller can see."""

    customer_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    pipeline_id = fields.UUID(load_default=None)
    stage_id = fields.UUID(load_default=None)
    expected_close_date = fields.Date(load_default=None)
    next_step = fields.String(load_default=None, validate=validate.Length(max=500))
    lead_id = fields.UUID(load_default=None)
    campaign_id = fields.UUID(load_default=None)


class OpportunityPatchSchema(StrictSchema):
    """Changes to a deal; contacts and lines replace the whole list."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    amount = AmountField()
    currency = CurrencyField()
    expected_close_date = fields.Date(allow_none=True)
    next_step = fields.String(allow_none=True, validate=validate.Length(max=500))
    probability_override = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    forecast_category_override = fields.String(
        allow_none=True, validate=validate.OneOf(FORECAST_CATEGORIES)
    )
    contacts = fields.List(fields.Nested(ContactInSchema), validate=validate.Length(max=50))
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(max=200))
    lead_id = fields.UUID(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)


class RiskReasonSchema(StrictSchema):
    """Why a deal is at risk."""

    code = fields.String()
    message = fields.String()


class OpportunitySummarySchema(StrictSchema):
    """An opportunity as lists show it."""

    id = fields.UUID()
    customer_id = fields.UUID()
    lead_id = fields.UUID(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)
    name = fields.String()
    amount = AmountField()
    currency = CurrencyField()
    pipeline_id = fields.UUID()
    stage_id = fields.UUID()
    stage = fields.String(allow_none=True)
    status = fields.String()
    probability = fields.Integer()
    probability_override = fields.Integer(allow_none=True)
    forecast_category = fields.String(allow_none=True)
    forecast_category_override = fields.String(allow_none=True)
    expected_close_date = fields.Date(allow_none=True)
    next_step = fields.String(allow_none=True)
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    stage_entered_at = fields.DateTime()
    last_activity_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)
    competitor = fields.String(allow_none=True)
    close_date_pushes = fields.Integer()
    risk_level = fields.String()
    risk_reasons = fields.List(fields.Nested(RiskReasonSchema))
    version = fields.Integer()


class OpportunitySchema(OpportunitySummarySchema):
    """An opportunity with its contacts and line items."""

    contacts = fields.List(fields.Nested(ContactSchema))
    lines = fields.List(fields.Nested(LineSchema))


class OpportunityListArgsSchema(PageArgsSchema):
    """Filters and sort of the opportunity list."""

    customer_id = fields.UUID()
    pipeline_id = fields.UUID()
    stage_id = fields.UUID()
    owner_id = fields.UUID()
    team_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("open", "won", "lost")))
    risk = fields.String(validate=validate.OneOf(LEVELS))
    currency = CurrencyField()
    close_from = fields.Date()
    close_to = fields.Date()
    amount_min = DecimalString()
    amount_max = DecimalString()
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(SORT_CHOICES))


OpportunityPageSchema = page_of(OpportunitySummarySchema)
