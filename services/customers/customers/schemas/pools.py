"""Public pools, their rules and audit, and recycling runs."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import AmountField, CurrencyField, PageArgsSchema, StrictSchema

from ..presenting import HIDEABLE
from ..rules.tiers import TIERS
from .customers import SORTS
from .fields import bounded_text
from .ownership import ACTIONS

_DAYS = validate.Range(min=0, max=3650)


class ClockRuleSchema(StrictSchema):
    """One recycling rule: on or off, its days, and days per tier (0 = at once)."""

    enabled = fields.Boolean()
    days = fields.Integer(validate=_DAYS)
    days_by_tier = fields.Dict(
        keys=fields.String(validate=validate.OneOf(TIERS)),
        values=fields.Integer(validate=_DAYS),
    )


class PoolRulesSchema(StrictSchema):
    """A pool's rules; on input, parts not given keep their current value."""

    no_followup = fields.Nested(ClockRuleSchema)
    no_opportunity = fields.Nested(ClockRuleSchema)
    not_won = fields.Nested(ClockRuleSchema)
    exempt_open_opportunity = fields.Boolean()
    exempt_won = fields.Boolean()
    warn_days = fields.Integer(validate=validate.Range(min=0, max=365))
    lock_cap = fields.Integer(validate=validate.Range(min=0, max=10000))
    reclaim_block_days = fields.Integer(validate=_DAYS)
    daily_claim_limit = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=10000),
        metadata={"description": "claims per rep per day from this pool; null: no limit"},
    )


class PoolMemberSchema(StrictSchema):
    """A user or a whole team."""

    kind = fields.String(required=True, validate=validate.OneOf(("user", "team")))
    id = fields.UUID(required=True)


class _PoolFields(StrictSchema):
    description = bounded_text(2000, allow_none=True)
    open_to_all = fields.Boolean()
    hidden_fields = fields.List(
        fields.String(validate=validate.OneOf(HIDEABLE)), validate=validate.Length(max=10)
    )
    rules = fields.Nested(PoolRulesSchema)
    members = fields.List(fields.Nested(PoolMemberSchema), validate=validate.Length(max=1000))
    admins = fields.List(fields.UUID(), validate=validate.Length(max=100))


class PoolInSchema(_PoolFields):
    """A new pool."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PoolPatchSchema(_PoolFields):
    """Changes to a pool; lists given replace the current ones."""

    name = fields.String(validate=validate.Length(min=1, max=100))


class PoolSchema(StrictSchema):
    """A pool with its members, admins and rules."""

    id = fields.UUID()
    name = fields.String()
    description = fields.String(allow_none=True)
    is_default = fields.Boolean()
    open_to_all = fields.Boolean()
    hidden_fields = fields.List(fields.String())
    rules = fields.Nested(PoolRulesSchema)
    members = fields.List(fields.Nested(PoolMemberSchema))
    admins = fields.List(fields.UUID())
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PoolListSchema(StrictSchema):
    """The pools the caller belongs to or runs."""

    items = fields.List(fields.Nested(PoolSchema), required=True)


class AuditArgsSchema(PageArgsSchema):
    """Filters of a pool's audit trail."""

    action = fields.String(validate=validate.OneOf(ACTIONS))
    customer_id = fields.UUID()
    user_id = fields.UUID()


class PoolCustomerArgsSchema(PageArgsSchema):
    """Order of a pool's unclaimed customers: the best first."""

    sort = fields.String(load_default="value", validate=validate.OneOf(SORTS))
    tier = fields.String(validate=validate.OneOf(TIERS))


class RecycleInSchema(StrictSchema):
    """An on-demand recycling run."""

    pool_id = fields.UUID(load_default=None, allow_none=True)
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "report what would happen, change nothing"}
    )


class RecycledSchema(StrictSchema):
    """A customer recycled or warned about by a run."""

    customer_id = fields.UUID()
    owner_id = fields.UUID()
    rule = fields.String(allow_none=True)
    reason = fields.String()
    due_at = fields.DateTime(allow_none=True)


class RecycleReportSchema(StrictSchema):
    """What a recycling run did."""

    evaluated = fields.Integer()
    recycled = fields.List(fields.Nested(RecycledSchema))
    warned = fields.List(fields.Nested(RecycledSchema))
    skipped = fields.Integer(metadata={"description": "changed meanwhile; judged next run"})
    dry_run = fields.Boolean()


class PoolAnalyticsArgsSchema(StrictSchema):
    """Which period ([from, to), by day; default the last 12 weeks) and which team to analyse."""

    from_ = fields.Date(data_key="from")
    to = fields.Date()
    team_id = fields.UUID(
        metadata={"description": "only this team's reps' claims and recycles (managers: theirs)"}
    )


class PoolCountSchema(StrictSchema):
    """One pool and the unclaimed customers in it now."""

    pool_id = fields.UUID()
    name = fields.String()
    customers = fields.Integer()


class WeekCountSchema(StrictSchema):
    """Claims and recycles in one ISO week (``week``: its Monday)."""

    week = fields.Date()
    claims = fields.Integer()
    recycles = fields.Integer()


class WonAmountSchema(StrictSchema):
    """Won deals' amount in one currency."""

    currency = CurrencyField()
    amount = AmountField()


class ReasonFiguresSchema(StrictSchema):
    """Claims of customers that were in the pool for one reason, and the deals won after them."""

    reason = fields.String(
        metadata={
            "description": "no_followup, no_opportunity, not_won (the recycling rule), "
            "recycled (rule not recorded), released, or new (entered into the pool)"
        }
    )
    claims = fields.Integer()
    claims_won = fields.Integer(metadata={"description": "claims followed by at least one win"})
    deals_won = fields.Integer()
    won = fields.List(fields.Nested(WonAmountSchema))


class PoolAnalyticsSchema(StrictSchema):
    """Customers in pools, claims and recycles per week, time to claim, wins after claims."""

    from_ = fields.Date(data_key="from")
    to = fields.Date()
    team_id = fields.UUID(allow_none=True)
    pools = fields.List(fields.Nested(PoolCountSchema))
    weeks = fields.List(fields.Nested(WeekCountSchema))
    claims = fields.Integer()
    recycles = fields.Integer()
    median_hours_to_claim = fields.Float(allow_none=True)
    by_reason = fields.List(fields.Nested(ReasonFiguresSchema))


class PoolClaimAllowanceSchema(StrictSchema):
    """The caller's claims today from one pool against its daily limit (None: no limit)."""

    pool_id = fields.UUID()
    name = fields.String()
    daily_claim_limit = fields.Integer(allow_none=True)
    claimed_today = fields.Integer()


class MyLimitSchema(StrictSchema):
    """The caller's ownership limit and where they stand, before they claim."""

    max_owned = fields.Integer(allow_none=True, metadata={"description": "None: no limit"})
    include_won = fields.Boolean(allow_none=True)
    scope = fields.String(allow_none=True, metadata={"description": "user, team or default"})
    owned = fields.Integer()
    remaining = fields.Integer(allow_none=True)
    pools = fields.List(fields.Nested(PoolClaimAllowanceSchema))
