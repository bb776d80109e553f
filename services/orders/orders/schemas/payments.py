"""Payment plan, receipt and refund shapes."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, MoneyInSchema, StrictSchema

from .common import Percent


class AllocationInSchema(StrictSchema):
    """The part of a receipt for one installment."""

    installment_id = fields.UUID(required=True)
    amount = AmountField(required=True)


class PaymentInSchema(MoneyInSchema):
    """A receipt: amount, date, method, reference, and optionally its split."""

    received_on = fields.Date()
    method = fields.String(
        validate=validate.OneOf(
            ["bank_transfer", "cash", "check", "card", "alipay", "wechat", "other"]
        )
    )
    reference = fields.String(validate=validate.Length(max=100))
    allocations = fields.List(fields.Nested(AllocationInSchema))


class RefundInSchema(MoneyInSchema):
    """A refund: a positive amount paid back, with a reason."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    payment_id = fields.UUID(allow_none=True)
    refunded_on = fields.Date()
    method = fields.String(validate=validate.Length(max=30))
    reference = fields.String(validate=validate.Length(max=100))


class AllocationSchema(StrictSchema):
    """A part of a receipt or refund."""

    installment_id = fields.UUID()
    currency = CurrencyField()
    amount = AmountField()


class PaymentSchema(StrictSchema):
    """A receipt or refund as the API shows it."""

    id = fields.UUID()
    order_id = fields.UUID()
    kind = fields.String()
    amount = AmountField()
    currency = CurrencyField()
    received_at = fields.DateTime()
    received_on = fields.Date(allow_none=True)
    method = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    refund_of = fields.UUID(allow_none=True)
    recorded_by = fields.UUID(allow_none=True)
    allocations = fields.List(fields.Nested(AllocationSchema))


class PaymentListSchema(StrictSchema):
    """An order's receipts and refunds, oldest first."""

    items = fields.List(fields.Nested(PaymentSchema), required=True)


class InstallmentInSchema(StrictSchema):
    """An installment entered by hand."""

    amount = AmountField(required=True)
    due_on = fields.Date(required=True)
    remind_days = fields.Integer(validate=validate.Range(0, 90))


class PlanInSchema(StrictSchema):
    """A plan: by hand (``installments``) or from a template (``percentages`` / ``monthly``)."""

    template = fields.String(validate=validate.OneOf(["percentages", "monthly"]))
    percentages = fields.List(Percent(), validate=validate.Length(min=1, max=60))
    due_days = fields.List(fields.Integer(validate=validate.Range(0, 3650)))
    months = fields.Integer()
    start_on = fields.Date()
    remind_days = fields.Integer(validate=validate.Range(0, 90))
    installments = fields.List(
        fields.Nested(InstallmentInSchema), validate=validate.Length(max=240)
    )
    reason = fields.String(validate=validate.Length(max=2000))


class InstallmentSchema(StrictSchema):
    """An installment with its derived status."""

    id = fields.UUID()
    seq = fields.Integer()
    currency = CurrencyField()
    amount = AmountField()
    received = AmountField()
    outstanding = AmountField()
    due_on = fields.Date()
    remind_days = fields.Integer()
    paid_on = fields.Date(allow_none=True)
    status = fields.String(
        metadata={"description": "pending | partial | paid | overdue | void (derived)"}
    )


class PlanRevisionSchema(StrictSchema):
    """A past version of the plan."""

    revision = fields.Integer()
    template = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    changed_by = fields.UUID(allow_none=True)
    changed_at = fields.DateTime()
    installments = fields.List(fields.Dict())


class PlanSchema(StrictSchema):
    """An order's payment plan."""

    order_id = fields.UUID()
    currency = CurrencyField()
    total = AmountField()
    installments = fields.List(fields.Nested(InstallmentSchema))
    history = fields.List(fields.Nested(PlanRevisionSchema))


class LadderStepSchema(StrictSchema):
    """A rung of the overdue escalation ladder."""

    days_after = fields.Integer(required=True, validate=validate.Range(1, 3650))
    notify = fields.String(required=True, validate=validate.OneOf(["owner", "manager", "finance"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class LadderSchema(StrictSchema):
    """The escalation ladder."""

    items = fields.List(
        fields.Nested(LadderStepSchema), required=True, validate=validate.Length(max=20)
    )


class ReminderSchema(StrictSchema):
    """A reminder (``due_soon``) or escalation step (``overdue:<days>``) sent for an installment."""

    installment_id = fields.UUID()
    step = fields.String()
    sent_at = fields.DateTime()


class ReminderListSchema(StrictSchema):
    """Reminders sent for an order, oldest first."""

    items = fields.List(fields.Nested(ReminderSchema), required=True)
