"""What the customers API accepts and returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema, currencies, format_amount, page_of

from .commands import HIDEABLE
from .tiers import TIERS

KINDS = ("company", "person")
SIZES = ("micro", "small", "medium", "large", "enterprise")
FOLLOWUP_KINDS = ("call", "visit", "email", "meeting", "note")
PRIORITIES = ("low", "normal", "high", "urgent")
SORTS = ("created_at", "score", "value", "name")
ACTIONS = (
    "created",
    "claimed",
    "released",
    "recycled",
    "assigned",
    "transferred",
    "locked",
    "unlocked",
    "moved",
)

_OPT = {"load_default": None, "allow_none": True}


def _text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 time that must carry its zone (it is kept in UTC)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)


class MoneyText(fields.String):
    """A decimal amount shown as a string, with its currency's minor units when known."""

    def __init__(self, *, currency_key: str = "currency", **kwargs: Any) -> None:
        self.currency_key = currency_key
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        key = self.currency_key
        currency = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
        if currency in currencies():
            return format_amount(Decimal(value), currency)
        return str(value)


class CustomFieldsField(fields.Dict):
    """Custom fields: up to 50 names (≤ 64 characters) with text, number, yes/no or empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            keys=fields.String(validate=validate.Length(min=1, max=64)),
            metadata={
                "description": "name → text (≤ 1000), number, boolean or null",
                "maxProperties": 50,
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
            },
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > 50:
            raise ma.ValidationError("at most 50 custom fields")
        for name, item in result.items():
            if isinstance(item, str) and len(item) > 1000:
                raise ma.ValidationError(f"{name}: at most 1000 characters")
            if item is not None and not isinstance(item, str | int | float | bool):
                raise ma.ValidationError(f"{name}: must be text, a number, a boolean or null")
        return result


# ---------------------------------------------------------------- contacts


class ContactInSchema(StrictSchema):
    """A contact person at a customer."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = _text(100, **_OPT)
    email = fields.Email(validate=validate.Length(max=320), **_OPT)
    phone = _text(40, **_OPT)
    notes = _text(5000, **_OPT)
    is_primary = fields.Boolean(load_default=False)


class ContactPatchSchema(StrictSchema):
    """Changes to a contact; ``is_primary: true`` makes it the primary contact."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    title = _text(100, allow_none=True)
    email = fields.Email(validate=validate.Length(max=320), allow_none=True)
    phone = _text(40, allow_none=True)
    notes = _text(5000, allow_none=True)
    is_primary = fields.Boolean()


class ContactSchema(StrictSchema):
    """A contact as the API shows it (phone and email blank while a pool hides them)."""

    id = fields.UUID()
    customer_id = fields.UUID()
    name = fields.String()
    title = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    is_primary = fields.Boolean()
    created_by = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# ---------------------------------------------------------------- customers


class _ProfileFields(StrictSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    email = fields.Email(validate=validate.Length(max=320), allow_none=True)
    phone = _text(40, allow_none=True)
    company = _text(200, allow_none=True)
    industry = _text(100, allow_none=True)
    region = _text(100, allow_none=True)
    size = fields.String(validate=validate.OneOf(SIZES), allow_none=True)
    address_line = _text(300, allow_none=True)
    city = _text(100, allow_none=True)
    postal_code = _text(20, allow_none=True)
    country = fields.String(
        validate=validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166 alpha-2 code"),
        allow_none=True,
    )
    latitude = fields.Float(validate=validate.Range(min=-90, max=90), allow_none=True)
    longitude = fields.Float(validate=validate.Range(min=-180, max=180), allow_none=True)
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=20)
    )
    custom_fields = CustomFieldsField()
    score = fields.Integer(validate=validate.Range(min=0, max=100), allow_none=True)

    @ma.validates_schema
    def _coordinates_together(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("latitude" in data) != ("longitude" in data) or (
            (data.get("latitude") is None) != (data.get("longitude") is None)
        ):
            raise ma.ValidationError("latitude and longitude go together", field_name="latitude")

    @ma.post_load
    def _dedupe_tags(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if "tags" in data:
            data["tags"] = list(dict.fromkeys(t.strip() for t in data["tags"] if t.strip()))
        return data


class CustomerInSchema(_ProfileFields):
    """A customer entered by hand: the caller owns it, unless ``in_pool``."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="company", validate=validate.OneOf(KINDS))
    pool_id = fields.UUID(
        load_default=None, allow_none=True, metadata={"description": "default: the public pool"}
    )
    in_pool = fields.Boolean(
        load_default=False, metadata={"description": "put it straight into the pool, unowned"}
    )
    contacts = fields.List(fields.Nested(ContactInSchema), validate=validate.Length(max=20))


class CustomerPatchSchema(_ProfileFields):
    """Changes to a customer's profile (and, for pool admins, its pool)."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    pool_id = fields.UUID()


class CustomerSchema(StrictSchema):
    """A customer as the API shows it; fields a pool hides are blank and listed."""

    id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    size = fields.String(allow_none=True)
    address_line = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    tags = fields.List(fields.String())
    custom_fields = fields.Dict(
        metadata={"additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
    )
    score = fields.Integer(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    pool_id = fields.UUID()
    owner_id = fields.UUID(allow_none=True, metadata={"description": "empty: in the pool"})
    team_id = fields.UUID(allow_none=True)
    previous_owner_id = fields.UUID(allow_none=True)
    in_pool = fields.Boolean()
    hidden_fields = fields.List(fields.String())
    collaborator_ids = fields.List(fields.UUID())
    locked = fields.Boolean()
    locked_at = fields.DateTime(allow_none=True)
    tier = fields.String(metadata={"enum": list(TIERS)})
    value = MoneyText(
        currency_key="value_currency",
        metadata={"description": "value of won deals, in value_currency"},
    )
    value_currency = fields.String(metadata={"description": "the tiers' currency"})
    open_opportunities = fields.Integer()
    won_deals = fields.Integer()
    last_followup_at = fields.DateTime(allow_none=True)
    next_followup_at = fields.DateTime(allow_none=True)
    last_opportunity_at = fields.DateTime(allow_none=True)
    last_won_at = fields.DateTime(allow_none=True)
    recycle_due_at = fields.DateTime(
        allow_none=True, metadata={"description": "when the pool's rules would recycle it"}
    )
    recycle_rule = fields.String(allow_none=True)
    tier_computed_at = fields.DateTime(allow_none=True)
    distance_m = fields.Float(metadata={"description": "only in nearby searches"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    released_at = fields.DateTime(allow_none=True)


class CustomerListArgsSchema(PageArgsSchema):
    """Filters and order of the customer list (the pool list: ``in_pool=true``)."""

    lead_id = fields.UUID()
    owner_id = fields.UUID()
    pool_id = fields.UUID()
    in_pool = fields.Boolean()
    locked = fields.Boolean()
    tier = fields.String(validate=validate.OneOf(TIERS))
    industry = fields.String(validate=validate.Length(max=100))
    region = fields.String(validate=validate.Length(max=100))
    size = fields.String(validate=validate.OneOf(SIZES))
    tag = fields.String(validate=validate.Length(min=1, max=50))
    q = fields.String(validate=validate.Length(min=1, max=100))
    recycle_due_before = AwareDateTime()
    sort = fields.String(
        load_default="created_at",
        validate=validate.OneOf(SORTS),
        metadata={"description": "created_at (newest), score or value (highest), name"},
    )


class NearArgsSchema(StrictSchema):
    """A point and a radius, for planning a day of visits."""

    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    radius_km = fields.Float(load_default=10.0, validate=validate.Range(min=0.01, max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    mine = fields.Boolean(load_default=False, metadata={"description": "only customers I own"})


class ReleaseSchema(StrictSchema):
    """Why a customer goes back to the pool, and optionally which pool."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    pool_id = fields.UUID(load_default=None, allow_none=True)


class AssignSchema(StrictSchema):
    """Who takes the customer over, and why."""

    owner_id = fields.UUID(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LockSchema(StrictSchema):
    """Why a customer is locked against recycling."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class OwnershipChangeSchema(StrictSchema):
    """One entry of the ownership history and the pool's audit trail."""

    id = fields.UUID()
    customer_id = fields.UUID()
    action = fields.String(metadata={"enum": list(ACTIONS)})
    from_owner_id = fields.UUID(allow_none=True)
    to_owner_id = fields.UUID(allow_none=True)
    actor_id = fields.UUID(allow_none=True, metadata={"description": "empty: a rule or an event"})
    pool_id = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class OwnershipHistorySchema(StrictSchema):
    """A customer's ownership history, oldest first."""

    items = fields.List(fields.Nested(OwnershipChangeSchema), required=True)


class LimitInSchema(StrictSchema):
    """An ownership limit: for one user, for each member of a team, or (neither) the default."""

    user_id = fields.UUID(load_default=None, allow_none=True)
    team_id = fields.UUID(load_default=None, allow_none=True)
    max_owned = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    include_won = fields.Boolean(
        load_default=True,
        metadata={"description": "false: customers with a won deal do not count"},
    )


class LimitSchema(StrictSchema):
    """An ownership limit as stored."""

    id = fields.UUID()
    subject = fields.String()
    user_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    max_owned = fields.Integer()
    include_won = fields.Boolean()
    updated_by = fields.UUID(allow_none=True)
    updated_at = fields.DateTime()


class LimitListSchema(StrictSchema):
    """Every ownership limit."""

    items = fields.List(fields.Nested(LimitSchema), required=True)


# ---------------------------------------------------------------- pools

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
    description = _text(2000, allow_none=True)
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


# ---------------------------------------------------------------- follow-ups and visits


class FollowUpInSchema(StrictSchema):
    """A follow-up to log."""

    kind = fields.String(required=True, validate=validate.OneOf(FOLLOWUP_KINDS))
    content = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    occurred_at = AwareDateTime(load_default=None, allow_none=True)
    next_followup_at = AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "plans a follow-up task"}
    )
    contact_id = fields.UUID(load_default=None, allow_none=True)


class FollowUpSchema(StrictSchema):
    """A logged follow-up."""

    id = fields.UUID()
    customer_id = fields.UUID()
    contact_id = fields.UUID(allow_none=True)
    kind = fields.String()
    content = fields.String()
    outcome = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    next_followup_at = fields.DateTime(allow_none=True)
    author_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    visit_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class _PeriodArgs(PageArgsSchema):
    from_ = AwareDateTime(data_key="from")
    to = AwareDateTime()


class FollowUpListArgsSchema(_PeriodArgs):
    """Filters of the follow-up list."""

    customer_id = fields.UUID()
    author_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(FOLLOWUP_KINDS))


class CheckInSchema(StrictSchema):
    """Where the rep stands when arriving."""

    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100000)
    )
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class CheckOutSchema(StrictSchema):
    """Where the rep stands when leaving, and what came of the visit."""

    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    summary = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    next_followup_at = AwareDateTime(load_default=None, allow_none=True)


class VisitSchema(StrictSchema):
    """A field visit."""

    id = fields.UUID()
    customer_id = fields.UUID()
    rep_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    status = fields.String(metadata={"enum": ["checked_in", "checked_out"]})
    check_in_at = fields.DateTime()
    check_in_latitude = fields.Float()
    check_in_longitude = fields.Float()
    check_in_accuracy_m = fields.Float(allow_none=True)
    distance_m = fields.Float(
        allow_none=True, metadata={"description": "from the customer's address; empty if unknown"}
    )
    far_from_address = fields.Boolean()
    check_out_at = fields.DateTime(allow_none=True)
    check_out_latitude = fields.Float(allow_none=True)
    check_out_longitude = fields.Float(allow_none=True)
    purpose = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    has_photo = fields.Function(lambda v: v.photo_file_id is not None, metadata={"type": "boolean"})
    photo_content_type = fields.String(allow_none=True)
    followup_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class VisitListArgsSchema(_PeriodArgs):
    """Filters of the visit list (per rep, per customer, per period)."""

    rep_id = fields.UUID()
    customer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("checked_in", "checked_out")))
    far_from_address = fields.Boolean()


# ---------------------------------------------------------------- tasks and calendar


class TaskInSchema(StrictSchema):
    """A task or planned follow-up."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))
    kind = fields.String(load_default="task", validate=validate.OneOf(("task", "followup")))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    due_at = AwareDateTime(required=True)
    duration_minutes = fields.Integer(load_default=30, validate=validate.Range(min=0, max=1440))
    remind_at = AwareDateTime(load_default=None, allow_none=True)
    remind_minutes_before = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=60 * 24 * 30)
    )
    customer_id = fields.UUID(load_default=None, allow_none=True)
    owner_id = fields.UUID(
        load_default=None, allow_none=True, metadata={"description": "default: the caller"}
    )

    @ma.validates_schema
    def _one_reminder(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("remind_at") is not None and data.get("remind_minutes_before") is not None:
            raise ma.ValidationError(
                "give remind_at or remind_minutes_before, not both", field_name="remind_at"
            )


class TaskPatchSchema(StrictSchema):
    """Changes to a task; a new due time or reminder re-arms the reminder."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    notes = fields.String(allow_none=True, validate=validate.Length(max=10000))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    due_at = AwareDateTime()
    duration_minutes = fields.Integer(validate=validate.Range(min=0, max=1440))
    remind_at = AwareDateTime(allow_none=True)
    remind_minutes_before = fields.Integer(validate=validate.Range(min=0, max=60 * 24 * 30))
    customer_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID()

    @ma.validates_schema
    def _one_reminder(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "remind_at" in data and "remind_minutes_before" in data:
            raise ma.ValidationError(
                "give remind_at or remind_minutes_before, not both", field_name="remind_at"
            )


class TaskSchema(StrictSchema):
    """A task on someone's calendar."""

    id = fields.UUID()
    owner_id = fields.UUID()
    team_id = fields.UUID(allow_none=True)
    customer_id = fields.UUID(allow_none=True)
    kind = fields.String()
    title = fields.String()
    notes = fields.String(allow_none=True)
    priority = fields.String()
    due_at = fields.DateTime()
    duration_minutes = fields.Integer()
    remind_at = fields.DateTime(allow_none=True)
    reminded_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    followup_id = fields.UUID(allow_none=True)
    created_by = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TaskListArgsSchema(PageArgsSchema):
    """Filters of the task list (soonest due first)."""

    status = fields.String(load_default="open", validate=validate.OneOf(("open", "done", "all")))
    owner_id = fields.UUID()
    customer_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(("task", "followup")))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    due_from = AwareDateTime()
    due_to = AwareDateTime()


class CalendarArgsSchema(StrictSchema):
    """A period: ``from`` and ``to``, or a ``view`` (day, week, month) around ``date``."""

    from_ = AwareDateTime(data_key="from")
    to = AwareDateTime()
    view = fields.String(validate=validate.OneOf(("day", "week", "month")))
    date = fields.Date()
    tz = fields.String(
        load_default="UTC",
        validate=validate.Length(min=1, max=64),
        metadata={"description": "IANA zone for view boundaries, e.g. Europe/London"},
    )
    user_id = fields.UUID(metadata={"description": "a team member's calendar (managers)"})

    @ma.validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        has_range = "from_" in data or "to" in data
        if has_range and "view" in data:
            raise ma.ValidationError("give from and to, or view and date", field_name="view")
        if has_range and not ("from_" in data and "to" in data):
            raise ma.ValidationError("from and to go together", field_name="to")
        if not has_range and "view" not in data:
            raise ma.ValidationError("give from and to, or a view", field_name="from")


class CalendarItemSchema(StrictSchema):
    """One entry of a calendar."""

    id = fields.UUID()
    type = fields.String(metadata={"enum": ["task", "followup", "visit"]})
    title = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    priority = fields.String(allow_none=True)
    remind_at = fields.DateTime(allow_none=True)
    completed = fields.Boolean()
    location = fields.String(allow_none=True)


class CalendarSchema(StrictSchema):
    """A calendar period."""

    user_id = fields.UUID()
    from_ = fields.DateTime(data_key="from")
    to = fields.DateTime()
    items = fields.List(fields.Nested(CalendarItemSchema))


class FeedSchema(StrictSchema):
    """A calendar feed address; the token is shown only when it is created."""

    path = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    created_at = fields.DateTime()


# ---------------------------------------------------------------- tiers and 360


class TierConfigSchema(StrictSchema):
    """Where the tier lines are drawn (money only in ``currency`` counts)."""

    currency = fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    window_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    high_value_monetary = fields.String(
        validate=validate.Regexp(r"^[0-9]{1,15}(\.[0-9]{1,4})?$", error="must be a decimal string"),
        metadata={"description": "decimal amount as a string", "example": "50000"},
    )
    high_value_frequency = fields.Integer(validate=validate.Range(min=0, max=100000))
    high_value_recency_days = fields.Integer(validate=_DAYS)
    at_risk_recency_days = fields.Integer(validate=_DAYS)
    at_risk_satisfaction = fields.Float(validate=validate.Range(min=0, max=5))
    at_risk_min_rated_tickets = fields.Integer(validate=validate.Range(min=1, max=1000))
    at_risk_open_tickets = fields.Integer(
        validate=validate.Range(min=0, max=1000), metadata={"description": "0: not used"}
    )
    churned_recency_days = fields.Integer(validate=_DAYS)


class TierExplanationSchema(StrictSchema):
    """A tier and the figures that put a customer there."""

    customer_id = fields.UUID()
    tier = fields.String(metadata={"enum": list(TIERS)})
    reasons = fields.List(fields.String())
    figures = fields.Dict()
    thresholds = fields.Dict()
    computed_at = fields.String()


class TierSummarySchema(StrictSchema):
    """How many visible customers are in each tier."""

    high_value = fields.Integer()
    potential = fields.Integer()
    at_risk = fields.Integer()
    churned = fields.Integer()


class RecomputeSchema(StrictSchema):
    """How many customers a recomputation covered."""

    recomputed = fields.Integer()


class _Money(StrictSchema):
    currency = fields.String()
    amount = fields.String()


class OpportunityCopySchema(StrictSchema):
    """An opportunity as this service knows it from events."""

    id = fields.UUID()
    name = fields.String(allow_none=True)
    amount = MoneyText(allow_none=True)
    currency = fields.String(allow_none=True)
    status = fields.String()
    owner_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    won_at = fields.DateTime(allow_none=True)
    lost_at = fields.DateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)


class OrderCopySchema(StrictSchema):
    """An order."""

    id = fields.UUID()
    opportunity_id = fields.UUID(allow_none=True)
    amount = MoneyText()
    currency = fields.String()
    owner_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class PaymentCopySchema(StrictSchema):
    """A payment."""

    id = fields.UUID()
    order_id = fields.UUID()
    amount = MoneyText()
    currency = fields.String()
    received_at = fields.DateTime()


class TicketCopySchema(StrictSchema):
    """A ticket and its satisfaction score."""

    id = fields.UUID()
    subject = fields.String(allow_none=True)
    status = fields.String()
    satisfaction = fields.Integer(allow_none=True)
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class _Recent(StrictSchema):
    total = fields.Integer()


class _FollowUps(_Recent):
    recent = fields.List(fields.Nested(FollowUpSchema))


class _Visits(_Recent):
    recent = fields.List(fields.Nested(VisitSchema))


class _Opportunities(StrictSchema):
    open = fields.List(fields.Nested(OpportunityCopySchema))
    won = fields.List(fields.Nested(OpportunityCopySchema))
    lost = fields.List(fields.Nested(OpportunityCopySchema))
    open_total = fields.List(fields.Nested(_Money))
    won_total = fields.List(fields.Nested(_Money))


class _Orders(_Recent):
    recent = fields.List(fields.Nested(OrderCopySchema))
    amount_total = fields.List(fields.Nested(_Money))


class _Payments(_Recent):
    recent = fields.List(fields.Nested(PaymentCopySchema))
    amount_total = fields.List(fields.Nested(_Money))


class _Tickets(_Recent):
    open = fields.Integer()
    recent = fields.List(fields.Nested(TicketCopySchema))
    rated = fields.Integer()
    average_satisfaction = fields.Float(allow_none=True)


class Customer360Schema(StrictSchema):
    """Everything known about a customer, from this service's own event-fed copies."""

    profile = fields.Nested(CustomerSchema)
    contacts = fields.List(fields.Nested(ContactSchema))
    owner_history = fields.List(fields.Nested(OwnershipChangeSchema))
    followups = fields.Nested(_FollowUps)
    visits = fields.Nested(_Visits)
    open_tasks = fields.List(fields.Nested(TaskSchema))
    opportunities = fields.Nested(_Opportunities)
    orders = fields.Nested(_Orders)
    payments = fields.Nested(_Payments)
    tickets = fields.Nested(_Tickets)
    tier = fields.Dict()


CustomerPageSchema = page_of(CustomerSchema)
OwnershipChangePageSchema = page_of(OwnershipChangeSchema)
FollowUpPageSchema = page_of(FollowUpSchema)
VisitPageSchema = page_of(VisitSchema)
TaskPageSchema = page_of(TaskSchema)


class ContactListSchema(StrictSchema):
    """A customer's contacts, primary first."""

    items = fields.List(fields.Nested(ContactSchema), required=True)


class NearSchema(StrictSchema):
    """Customers near a point, nearest first."""

    items = fields.List(fields.Nested(CustomerSchema), required=True)


class ImportArgsSchema(StrictSchema):
    """The file name, when the CSV is sent as the raw body."""

    filename = fields.String(validate=validate.Length(min=1, max=255))
