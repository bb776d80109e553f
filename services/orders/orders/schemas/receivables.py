"""Receivables report shapes: aging, cash forecast, credit risk."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, StrictSchema


class AgingArgsSchema(StrictSchema):
    """Aging by whom, in which currency."""

    group_by = fields.String(
        load_default="customer", validate=validate.OneOf(["customer", "owner", "team"])
    )
    currency = CurrencyField()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class AgingGroupSchema(StrictSchema):
    """Outstanding of one customer, owner or team, per bucket of days past due."""

    key = fields.UUID(allow_none=True)
    currency = CurrencyField()
    total = AmountField()
    current = AmountField(metadata={"description": "not yet due"})
    _0_30 = AmountField(data_key="0_30", attribute="0_30")
    _31_60 = AmountField(data_key="31_60", attribute="31_60")
    _61_90 = AmountField(data_key="61_90", attribute="61_90")
    _90_plus = AmountField(data_key="90_plus", attribute="90_plus")


class CollectionSchema(StrictSchema):
    """Collection rate of one period (installments due in it)."""

    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    due = fields.Decimal(as_string=True)
    received = fields.Decimal(as_string=True)
    rate = fields.Decimal(as_string=True, allow_none=True)


class CurrencyTotalsSchema(StrictSchema):
    """Per currency: outstanding, DSO (90 days) and collection rates."""

    currency = CurrencyField()
    outstanding = AmountField()
    dso = fields.Decimal(as_string=True, allow_none=True)
    collection = fields.List(fields.Nested(CollectionSchema))


class AgingSchema(StrictSchema):
    """Receivables aging."""

    group_by = fields.String()
    as_of = fields.Date()
    groups = fields.List(fields.Nested(AgingGroupSchema))
    currencies = fields.List(fields.Nested(CurrencyTotalsSchema))


class ForecastArgsSchema(StrictSchema):
    """Cash forecast horizon and currency."""

    weeks = fields.Integer(load_default=13, validate=validate.Range(1, 52))
    currency = CurrencyField(required=True)


class WeekSchema(StrictSchema):
    """Expected cash in one week."""

    week_start = fields.Date()
    currency = CurrencyField()
    expected = AmountField()
    low = AmountField()
    high = AmountField()
    due = AmountField(metadata={"description": "the plain 'due date = cash date' figure"})


class BacktestSchema(StrictSchema):
    """How the forecast would have done over the past weeks, against the plain assumption."""

    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    installments = fields.Integer()
    error_forecast = fields.Decimal(as_string=True, allow_none=True)
    error_due_date = fields.Decimal(as_string=True, allow_none=True)
    measure = fields.String()
    computed_at = fields.DateTime(
        metadata={"description": "when the job computed it (it is about the past)"}
    )


class ForecastSchema(StrictSchema):
    """The cash forecast."""

    currency = CurrencyField()
    weeks = fields.List(fields.Nested(WeekSchema))
    segment = fields.Dict()
    backtest = fields.Nested(BacktestSchema)


class CreditArgsSchema(StrictSchema):
    """In which currency."""

    currency = CurrencyField(required=True)


class CreditLimitSchema(StrictSchema):
    """A customer's credit limit in a currency (null clears it)."""

    currency = CurrencyField(required=True)
    credit_limit = AmountField(required=True, allow_none=True)


class CreditSchema(StrictSchema):
    """A customer's credit risk and the figures behind it."""

    customer_id = fields.UUID()
    currency = CurrencyField()
    risk = fields.String()
    installments_due = fields.Integer()
    paid_late = fields.Integer()
    share_paid_late = fields.String()
    average_days_late = fields.String()
    outstanding = fields.String()
    overdue = fields.String()
    credit_limit = fields.String(allow_none=True)
