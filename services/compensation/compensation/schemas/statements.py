"""Statements, ledger lines, payouts and period closes."""

from __future__ import annotations

from marshmallow import fields

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema

from .common import month_field


class LineSchema(StrictSchema):
    """One ledger line, traceable to what caused it."""

    id = fields.UUID()
    owner_id = fields.UUID()
    period = fields.String()
    kind = fields.String(metadata={"description": "accrual, clawback, true_up or waived"})
    currency = fields.String()
    base_amount = AmountField()
    amount = AmountField()
    plan_id = fields.UUID(allow_none=True)
    ref_id = fields.UUID(metadata={"description": "the payment, refund or deal behind it"})
    source_type = fields.String()
    source_event_id = fields.String(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    note = fields.String(allow_none=True)
    payout_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class StatementTotalsSchema(StrictSchema):
    """A statement's totals in one currency."""

    currency = fields.String()
    base = fields.String()
    accrued = fields.String()
    clawed_back = fields.String()
    true_up = fields.String()
    net = fields.String()
    paid = fields.String()
    pending = fields.String()
    unpaid_from_earlier = fields.String()


class PayoutSchema(StrictSchema):
    """A payout and its approval state."""

    id = fields.UUID()
    owner_id = fields.UUID()
    period = fields.String()
    currency = fields.String()
    amount = AmountField()
    status = fields.String()
    approval_id = fields.UUID(allow_none=True)
    requested_by = fields.UUID()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class StatementArgsSchema(StrictSchema):
    """Whose statement, for which month."""

    owner_id = fields.UUID(metadata={"description": "default: the caller"})
    period = month_field(required=True)


class StatementSchema(StrictSchema):
    """A rep's month: every line, the totals, and the payouts."""

    owner_id = fields.UUID()
    period = fields.String()
    period_status = fields.String()
    lines = fields.List(fields.Nested(LineSchema))
    totals = fields.List(fields.Nested(StatementTotalsSchema))
    payouts = fields.List(fields.Nested(PayoutSchema))


class PayoutInSchema(StrictSchema):
    """Pay a rep's closed month."""

    owner_id = fields.UUID(required=True)
    period = month_field(required=True)
    currency = CurrencyField(required=True)


class CloseSchema(StrictSchema):
    """What closing a month did."""

    period = fields.String()
    status = fields.String()
    closed_at = fields.DateTime()
    reps = fields.Integer()
    true_up_lines = fields.Integer()


class PeriodSchema(StrictSchema):
    """A month's state."""

    month = fields.String()
    status = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.UUID(allow_none=True)
