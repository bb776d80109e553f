"""What the leads API accepts and returns."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import (
    AmountField,
    CurrencyField,
    PageArgsSchema,
    StrictSchema,
    check_amount,
    page_of,
)

from .assignment import CONDITION_FIELDS, STRATEGIES
from .lifecycle import ACTIVITY_KINDS, STATUSES
from .normalise import LIMITS
from .scoring import ATTRIBUTE_FIELDS, OPERATORS


def _text(field: str, **kwargs: Any) -> fields.String:
    return fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=LIMITS[field]), **kwargs
    )


class LeadFieldsSchema(StrictSchema):
    """The facts about a lead that any channel may supply."""

    name = fields.String(validate=validate.Length(min=1, max=LIMITS["name"]))
    first_name = _text("first_name")
    last_name = _text("last_name")
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))
    phone = _text("phone", metadata={"description": "any format; stored as E.164"})
    mobile = _text("mobile")
    company = _text("company")
    title = _text("title")
    industry = _text("industry")
    company_size = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=10_000_000),
    )
    region = _text("region")
    country = _text("country")
    state = _text("state")
    city = _text("city")
    website = _text("website")
    product_interest = _text("product_interest")
    notes = _text("notes")


class LeadInSchema(LeadFieldsSchema):
    """A new lead from the API."""

    source = _text("source")
    channel = _text("channel", metadata={"description": "default: api"})
    campaign_id = fields.UUID(load_default=None, allow_none=True)
    auto_assign = fields.Boolean(
        load_default=False,
        metadata={"description": "route by the assignment rules instead of owning it yourself"},
    )

    @ma.validates_schema
    def _has_a_name(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "name" in data:
            return
        if not (data.get("first_name") or data.get("last_name")):
            raise ma.ValidationError("is required (or first_name / last_name)", "name")


class LeadUpdateSchema(LeadFieldsSchema):
    """Fields a rep may correct on a lead (all optional)."""

    source = _text("source")
    campaign_id = fields.UUID(allow_none=True)
    next_step = fields.String(allow_none=True, validate=validate.Length(max=500))
    next_step_at = fields.AwareDateTime(allow_none=True)


class ReasonSchema(ma.Schema):
    """One rule's share of a score."""

    rule_id = fields.String()
    rule = fields.String()
    points = fields.Float()
    detail = fields.String()


class LeadSchema(StrictSchema):
    """A lead as the API shows it."""

    id = fields.UUID(dump_only=True)
    name = fields.String()
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    company_size = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)
    source_id = fields.UUID(allow_none=True)
    product_interest = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    utm = fields.Dict(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    score = fields.Integer()
    score_reasons = fields.List(fields.Nested(ReasonSchema))
    scored_at = fields.DateTime(allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    response_due_at = fields.DateTime(allow_none=True)
    first_touch_at = fields.DateTime(allow_none=True)
    last_activity_at = fields.DateTime(allow_none=True)
    next_step = fields.String(allow_none=True)
    next_step_at = fields.DateTime(allow_none=True)
    touches = fields.Integer()
    possible_duplicate_of = fields.UUID(allow_none=True)
    merged_into_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    qualified_at = fields.DateTime(allow_none=True)
    disqualified_at = fields.DateTime(allow_none=True)
    disqualified_reason = fields.String(allow_none=True)


class LeadCapturedSchema(StrictSchema):
    """What a capture answers: the lead it landed on, in brief (GET it for everything).

    Kept short on purpose: at a campaign peak, serialising forty fields per
    capture is a measurable share of the intake's CPU.
    """

    id = fields.UUID(dump_only=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    owner_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    touches = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


SORTS = ("-created_at", "created_at", "-score", "score")


class LeadListArgsSchema(PageArgsSchema):
    """Filters and order of the lead list."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    owner_id = fields.UUID()
    source = fields.String(validate=validate.Length(max=100))
    channel = fields.String(validate=validate.Length(max=50))
    campaign_id = fields.UUID()
    min_score = fields.Integer(validate=validate.Range(min=0, max=100))
    unassigned = fields.Boolean()
    duplicates = fields.Boolean(metadata={"description": "only leads flagged as likely duplicates"})
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "name, email or company starts with"},
    )
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(SORTS))


LeadPageSchema = page_of(LeadSchema)


class BatchInSchema(StrictSchema):
    """Up to 1,000 leads; each is checked on its own."""

    leads = fields.List(
        fields.Raw(metadata={"description": "a lead as in POST /api/v1/leads"}),
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "each item as in POST /api/v1/leads"},
    )
    auto_assign = fields.Boolean(load_default=False)


class ItemErrorSchema(ma.Schema):
    """A field of a batch item and what is wrong with it."""

    field = fields.String()
    message = fields.String()


class BatchItemSchema(ma.Schema):
    """What became of one item of a batch."""

    index = fields.Integer()
    status = fields.String(validate=validate.OneOf(("created", "merged", "failed")))
    id = fields.UUID(allow_none=True)
    errors = fields.List(fields.Nested(ItemErrorSchema))


class BatchResultSchema(ma.Schema):
    """A result per item; good items are kept when others fail."""

    created = fields.Integer()
    merged = fields.Integer()
    failed = fields.Integer()
    results = fields.List(fields.Nested(BatchItemSchema))


class ActivityInSchema(StrictSchema):
    """A follow-up or a behaviour to record on a lead."""

    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)
    next_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    next_step_at = fields.AwareDateTime(load_default=None, allow_none=True)


class ActivitySchema(ma.Schema):
    """Something that happened to a lead."""

    id = fields.UUID()
    lead_id = fields.UUID()
    kind = fields.String()
    note = fields.String(allow_none=True)
    actor_id = fields.UUID(allow_none=True)
    occurred_at = fields.DateTime()
    next_step = fields.String(allow_none=True)
    next_step_at = fields.DateTime(allow_none=True)
    details = fields.Dict()


ActivityPageSchema = page_of(ActivitySchema)


class StatusInSchema(StrictSchema):
    """Move a lead along its working statuses."""

    status = fields.String(required=True, validate=validate.OneOf(("contacted", "nurturing")))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class DisqualifyInSchema(StrictSchema):
    """Why a lead is not worth pursuing."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AssignInSchema(StrictSchema):
    """Reassign a lead by hand."""

    owner_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class MergeInSchema(StrictSchema):
    """The lead to fold into this one."""

    other_id = fields.UUID(required=True)


class ExportArgsSchema(StrictSchema):
    """Which leads to export."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    campaign_id = fields.UUID()


# ---------------------------------------------------------------- campaigns


class CampaignInSchema(StrictSchema):
    """A campaign."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    channel = fields.String(required=True, validate=validate.Length(min=1, max=50))
    description = fields.String(load_default=None, allow_none=True)
    budget = AmountField(load_default=None, allow_none=True)
    currency = CurrencyField(load_default=None, allow_none=True)
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)

    @ma.validates_schema
    def _consistent(self, data: dict[str, Any], partial: Any = None, **_kwargs: Any) -> None:
        budget, currency = data.get("budget"), data.get("currency")
        if budget is not None and currency is None and not partial:
            raise ma.ValidationError("is required with a budget", "currency")
        if budget is not None and currency is not None:
            problem = check_amount(budget, currency)
            if problem:
                raise ma.ValidationError(problem, "budget")
            if budget < 0:
                raise ma.ValidationError("must not be negative", "budget")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ma.ValidationError("is before starts_on", "ends_on")


class CampaignPatchSchema(CampaignInSchema):
    """Changes to a campaign (every field optional)."""


class RevenueSchema(ma.Schema):
    """Revenue in one currency."""

    amount = fields.String()
    currency = fields.String()


class CampaignStatsSchema(ma.Schema):
    """A campaign's results."""

    captured = fields.Integer()
    qualified = fields.Integer()
    won = fields.Integer()
    revenue = fields.List(fields.Nested(RevenueSchema))
    cost_per_lead = fields.String(allow_none=True)
    qualification_rate = fields.Float(allow_none=True)
    roi = fields.String(allow_none=True, metadata={"description": "(revenue - budget) / budget"})


class CampaignSchema(ma.Schema):
    """A campaign and its results."""

    id = fields.UUID()
    name = fields.String()
    channel = fields.String()
    description = fields.String(allow_none=True)
    budget = AmountField(allow_none=True)
    currency = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()
    stats = fields.Nested(CampaignStatsSchema)


CampaignPageSchema = page_of(CampaignSchema)

# ---------------------------------------------------------------- sources

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")


class SourceInSchema(StrictSchema):
    """A capture point with its own form key."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    channel = fields.String(load_default="web_form", validate=validate.Length(min=1, max=50))
    campaign_id = fields.UUID(load_default=None, allow_none=True)
    allowed_origins = fields.List(
        fields.String(
            validate=validate.Regexp(_ORIGIN, error="must be an origin like https://example.com")
        ),
        load_default=list,
        validate=validate.Length(max=50),
    )
    honeypot_field = fields.String(
        load_default="website_url", validate=validate.Regexp(r"^[a-z_]{1,50}$")
    )
    per_key_per_minute = fields.Integer(
        strict=True, load_default=120, validate=validate.Range(min=1, max=1_000_000)
    )
    per_client_per_minute = fields.Integer(
        strict=True, load_default=10, validate=validate.Range(min=1, max=1_000_000)
    )
    active = fields.Boolean(load_default=True)


class SourcePatchSchema(SourceInSchema):
    """Changes to a capture point (every field optional)."""


class SourceSchema(ma.Schema):
    """A capture point (its key is shown only when created or rotated)."""

    id = fields.UUID()
    name = fields.String()
    channel = fields.String()
    campaign_id = fields.UUID(allow_none=True)
    allowed_origins = fields.List(fields.String())
    honeypot_field = fields.String()
    per_key_per_minute = fields.Integer()
    per_client_per_minute = fields.Integer()
    active = fields.Boolean()
    key_hint = fields.String()
    form_key = fields.String(metadata={"description": "only in the answer that created it"})
    created_at = fields.DateTime()


SourcePageSchema = page_of(SourceSchema)


class FormReceiptSchema(ma.Schema):
    """A form post was received."""

    status = fields.String()


# ---------------------------------------------------------------- scoring


class ScoringRuleInSchema(StrictSchema):
    """An attribute rule (field, operator, value) or a behaviour rule (activity kind)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(("attribute", "behaviour")))
    field = fields.String(load_default=None, validate=validate.OneOf(ATTRIBUTE_FIELDS))
    operator = fields.String(load_default=None, validate=validate.OneOf(OPERATORS))
    value = fields.Raw(load_default=None, allow_none=True)
    activity_kind = fields.String(load_default=None, validate=validate.OneOf(ACTIVITY_KINDS))
    points = fields.Integer(strict=True, required=True, validate=validate.Range(min=-100, max=100))
    half_life_days = fields.Float(load_default=None, validate=validate.Range(min=0.1, max=3650))
    cap = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1, max=100))
    active = fields.Boolean(load_default=True)

    @ma.validates_schema
    def _complete(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("kind") == "attribute":
            for name in ("field", "operator"):
                if not data.get(name):
                    raise ma.ValidationError("is required for an attribute rule", name)
            if data.get("operator") != "exists" and data.get("value") is None:
                raise ma.ValidationError("is required for this operator", "value")
            value = data.get("value")
            if value is not None and not isinstance(value, str | int | float | list):
                raise ma.ValidationError("must be a string, a number or a list", "value")
        elif data.get("kind") == "behaviour":
            if not data.get("activity_kind"):
                raise ma.ValidationError("is required for a behaviour rule", "activity_kind")
            if data.get("points", 1) <= 0:
                raise ma.ValidationError(
                    "must be positive for behaviour (decay must never raise a score)", "points"
                )


class ScoringRuleSchema(ma.Schema):
    """A scoring rule."""

    id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    field = fields.String(allow_none=True)
    operator = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)
    activity_kind = fields.String(allow_none=True)
    points = fields.Integer()
    half_life_days = fields.Float(allow_none=True)
    cap = fields.Integer(allow_none=True)
    active = fields.Boolean()


class ScoringRuleListSchema(ma.Schema):
    """Every scoring rule."""

    items = fields.List(fields.Nested(ScoringRuleSchema))


class QualificationSettingsSchema(StrictSchema):
    """Automatic qualification, and the learned model's part in the score."""

    auto_qualify = fields.Boolean(load_default=False)
    threshold = fields.Integer(
        strict=True, load_default=80, validate=validate.Range(min=0, max=100)
    )
    model_enabled = fields.Boolean(load_default=False)
    model_weight = fields.Float(load_default=0.3, validate=validate.Range(min=0, max=1))


class ModelSchema(ma.Schema):
    """The optional learned model and how well it predicts."""

    trained = fields.Boolean()
    accuracy = fields.Float(allow_none=True)
    baseline_accuracy = fields.Float(allow_none=True)
    trained_on = fields.Integer()
    tested_on = fields.Integer()
    top_features = fields.List(fields.Dict())


# ---------------------------------------------------------------- assignment


class ConditionsSchema(StrictSchema):
    """Which leads a rule takes (an empty list matches anything)."""

    regions = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    industries = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    product_interests = fields.List(
        fields.String(validate=validate.Length(max=100)), load_default=list
    )
    sources = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)


assert set(ConditionsSchema._declared_fields) == set(CONDITION_FIELDS)


class AssignmentRuleInSchema(StrictSchema):
    """A routing rule."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    priority = fields.Integer(
        strict=True, load_default=100, validate=validate.Range(min=0, max=100000)
    )
    strategy = fields.String(required=True, validate=validate.OneOf(STRATEGIES))
    conditions = fields.Nested(ConditionsSchema, load_default=dict)
    response_minutes = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=60 * 24 * 30),
    )
    active = fields.Boolean(load_default=True)
    members = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))


class RuleMemberSchema(ma.Schema):
    """A member in a rule's rotation."""

    user_id = fields.UUID()
    position = fields.Integer()
    assigned_count = fields.Integer()


class AssignmentRuleSchema(ma.Schema):
    """A routing rule."""

    id = fields.UUID()
    name = fields.String()
    priority = fields.Integer()
    strategy = fields.String()
    conditions = fields.Dict()
    response_minutes = fields.Integer(allow_none=True)
    active = fields.Boolean()
    members = fields.List(fields.Nested(RuleMemberSchema))


class AssignmentRuleListSchema(ma.Schema):
    """Every routing rule, in priority order."""

    items = fields.List(fields.Nested(AssignmentRuleSchema))


class MemberSchema(ma.Schema):
    """Someone leads may be assigned to."""

    user_id = fields.UUID()
    username = fields.String()
    team_id = fields.UUID(allow_none=True)
    roles = fields.List(fields.String())
    active = fields.Boolean()
    accepting = fields.Boolean()
    capacity = fields.Integer()
    max_open_leads = fields.Integer(allow_none=True)
    open_leads = fields.Integer()
    conversion_rate = fields.Float(allow_none=True)
    response_minutes = fields.Float(allow_none=True)


class MemberListSchema(ma.Schema):
    """Members and their load."""

    items = fields.List(fields.Nested(MemberSchema))


class MemberUpdateSchema(StrictSchema):
    """Leads' own settings for a member."""

    accepting = fields.Boolean()
    capacity = fields.Integer(strict=True, validate=validate.Range(min=0, max=100))
    max_open_leads = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=0, max=100000)
    )


class ImportArgsSchema(StrictSchema):
    """Options of an import sent as a raw CSV body."""

    filename = fields.String(validate=validate.Length(max=255))
