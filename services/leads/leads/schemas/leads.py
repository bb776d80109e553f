"""What the leads routes accept and return: leads, batches, activities, imports."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import EmailField, PageArgsSchema, StrictSchema, page_of

from ..rules.lead_fields import FACT_FIELDS, LIMITS
from ..rules.lifecycle import ACTIVITY_KINDS, STATUSES


def _text(field: str, **kwargs: Any) -> fields.String:
    return fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=LIMITS[field]), **kwargs
    )


class LeadFieldsSchema(StrictSchema):
    """The facts about a lead that any channel may supply (:data:`FACT_FIELDS`)."""

    name = fields.String(validate=validate.Length(min=1, max=LIMITS["name"]))
    first_name = _text("first_name")
    last_name = _text("last_name")
    email = EmailField(load_default=None, allow_none=True, validate=validate.Length(max=320))
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


# The schema names exactly the facts rules/lead_fields.py lists: one list of lead fields.
assert set(LeadFieldsSchema._declared_fields) == set(FACT_FIELDS)


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
    phone_verified = fields.Boolean(
        metadata={"description": "false: a phone or mobile could not be read; kept as given"}
    )
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
    reopened_at = fields.DateTime(
        allow_none=True, metadata={"description": "the prospect came back after disqualification"}
    )
    archived_at = fields.DateTime(allow_none=True)
    erased_at = fields.DateTime(allow_none=True)


class LeadCapturedSchema(StrictSchema):
    """What a capture answers: the lead it landed on, in brief (GET it for everything).

    Kept short on purpose: at a campaign peak, serialising forty fields per
    capture is a measurable share of the intake's CPU. A capture that
    merged into a lead the caller may not see answers ``merged: true`` with
    only what was sent (no id, owner or status of that lead).
    """

    id = fields.UUID(
        dump_only=True, allow_none=True, metadata={"description": "empty: merged elsewhere"}
    )
    merged = fields.Boolean(
        metadata={"description": "true: recorded on an existing lead you may not see"}
    )
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
    archived = fields.Boolean(
        load_default=False,
        metadata={"description": "true: only archived leads (hidden from the default list)"},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "name, email or company starts with; or a phone number in any "
            "format (national, E.164, spaces, dashes), matched normalised"
        },
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


class ImportArgsSchema(StrictSchema):
    """Options of an import sent as a raw CSV body."""

    filename = fields.String(validate=validate.Length(max=255))
