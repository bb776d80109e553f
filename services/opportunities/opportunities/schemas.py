"""What the opportunities API accepts and returns."""

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

from .stages import STAGES


class OpportunityInSchema(MoneyInSchema):
    """A new opportunity for a customer the caller can see."""

    customer_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class OpportunitySchema(StrictSchema):
    """An opportunity as the API shows it."""

    id = fields.UUID()
    customer_id = fields.UUID()
    lead_id = fields.UUID(allow_none=True)
    name = fields.String()
    amount = AmountField()
    currency = CurrencyField()
    stage = fields.String(validate=validate.OneOf(STAGES))
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)


class OpportunityListArgsSchema(PageArgsSchema):
    """Filters of the opportunity list."""

    customer_id = fields.UUID()
    stage = fields.String(validate=validate.OneOf(STAGES))


class LoseSchema(StrictSchema):
    """Why a deal was lost."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


OpportunityPageSchema = page_of(OpportunitySchema)
