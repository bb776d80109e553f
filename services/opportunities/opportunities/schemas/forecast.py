"""What the forecast, backtest, adjustment and change endpoints accept and return."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, MoneyInSchema, StrictSchema

PERIOD = validate.Regexp(r"^\d{4}-(Q[1-4]|0[1-9]|1[0-2])$", error="must be 2026-Q1 or 2026-03")


class ForecastArgsSchema(StrictSchema):
    """Which period, and whose deals (default: the caller's scope)."""

    period = fields.String(required=True, validate=PERIOD)
    owner_id = fields.UUID()
    team_id = fields.UUID()
    pipeline_id = fields.UUID()


class BacktestArgsSchema(ForecastArgsSchema):
    """The periods before ``period`` to test, in one currency."""

    periods = fields.Integer(load_default=4, validate=validate.Range(min=1, max=12))
    currency = CurrencyField()


class ChangesArgsSchema(StrictSchema):
    """Changes since a moment, in a period's forecast (default: this quarter)."""

    since = fields.AwareDateTime(required=True, default_timezone=None)
    period = fields.String(validate=PERIOD)
    owner_id = fields.UUID()
    team_id = fields.UUID()


class FiguresSchema(StrictSchema):
    """One currency's forecast: closed, the rep's call by category, roll-ups, two models."""

    currency = CurrencyField()
    closed = AmountField()
    commit = AmountField()
    best_case = AmountField()
    pipeline = AmountField()
    omitted = AmountField()
    commit_rollup = AmountField(metadata={"description": "commit + closed"})
    best_case_rollup = AmountField(metadata={"description": "best case + commit + closed"})
    pipeline_rollup = AmountField(
        metadata={"description": "pipeline + best case + commit + closed"}
    )
    stage_weighted = AmountField()
    calibrated = AmountField()


class OwnerForecastSchema(StrictSchema):
    """One rep's figures."""

    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    currencies = fields.List(fields.Nested(FiguresSchema))


class AdjustmentInSchema(MoneyInSchema):
    """A manager's adjusted figure for a rep's period."""

    period = fields.String(required=True, validate=PERIOD)
    owner_id = fields.UUID(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AdjustmentSchema(StrictSchema):
    """An adjustment, kept beside the computed figures."""

    id = fields.UUID()
    period = fields.String()
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    currency = CurrencyField()
    amount = AmountField()
    note = fields.String()
    adjusted_by = fields.UUID()
    created_at = fields.DateTime()


class ForecastSchema(StrictSchema):
    """A period's forecast in total and per rep, with the managers' adjustments beside it."""

    period = fields.String()
    start = fields.Date()
    end = fields.Date(metadata={"description": "the day after the period's last"})
    calibrated_as_of = fields.DateTime(allow_none=True)
    currencies = fields.List(fields.Nested(FiguresSchema))
    owners = fields.List(fields.Nested(OwnerForecastSchema))
    adjustments = fields.List(fields.Nested(AdjustmentSchema))


class BacktestPeriodSchema(StrictSchema):
    """One past period: each method's forecast at its start against what was won."""

    period = fields.String()
    currency = CurrencyField()
    deals = fields.Integer()
    actual = AmountField()
    stage_weighted = AmountField()
    calibrated = AmountField()
    rep_call = AmountField()
    errors = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class MethodSummarySchema(StrictSchema):
    """How a method did over the periods."""

    mean_absolute_percentage_error = fields.Float(allow_none=True)
    brier_score = fields.Float(allow_none=True)


class BucketSchema(StrictSchema):
    """Predicted against observed win rate in one probability bucket."""

    low = fields.Float()
    high = fields.Float()
    count = fields.Integer()
    predicted = fields.Float(allow_none=True)
    observed = fields.Float(allow_none=True)


class BacktestSchema(StrictSchema):
    """The backtest, its summary per method and the reliability tables."""

    currency = fields.String(allow_none=True)
    periods = fields.List(fields.Nested(BacktestPeriodSchema))
    summary = fields.Dict(keys=fields.String(), values=fields.Nested(MethodSummarySchema))
    reliability = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(BucketSchema)))


class SnapshotTakenSchema(StrictSchema):
    """When a snapshot was taken."""

    snapshot_taken_at = fields.DateTime()


class ChangeSchema(StrictSchema):
    """One deal that moved."""

    opportunity_id = fields.String()
    from_ = fields.Raw(data_key="from", attribute="from")
    to = fields.Raw()
    currency = fields.String()


class ChangesSchema(StrictSchema):
    """What moved in a period's forecast since a snapshot."""

    period = fields.String()
    snapshot_taken_at = fields.DateTime(allow_none=True)
    moved_in = fields.List(fields.Nested(ChangeSchema))
    moved_out = fields.List(fields.Nested(ChangeSchema))
    won = fields.List(fields.Nested(ChangeSchema))
    lost = fields.List(fields.Nested(ChangeSchema))
    slipped = fields.List(fields.Nested(ChangeSchema))
    amount_changed = fields.List(fields.Nested(ChangeSchema))
    stage_changed = fields.List(fields.Nested(ChangeSchema))
