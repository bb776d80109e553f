"""Customer records: what is entered, shown, filtered and searched nearby."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import EmailField, PageArgsSchema, StrictSchema, page_of

from ..rules.tiers import TIERS
from .contacts import ContactInSchema
from .fields import KINDS, SIZES, AwareDateTime, CustomFieldsField, bounded_text, money

SORTS = ("created_at", "score", "value", "name", "last_activity")


class _ProfileFields(StrictSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    email = EmailField(validate=validate.Length(max=320), allow_none=True)
    phone = bounded_text(40, allow_none=True)
    company = bounded_text(200, allow_none=True)
    industry = bounded_text(100, allow_none=True)
    region = bounded_text(100, allow_none=True)
    size = fields.String(validate=validate.OneOf(SIZES), allow_none=True)
    address_line = bounded_text(300, allow_none=True)
    city = bounded_text(100, allow_none=True)
    postal_code = bounded_text(20, allow_none=True)
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
    different_customer = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: create it even though a customer with the same name and "
            "email or phone exists (otherwise 409 naming the existing one)"
        },
    )


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
    phone_verified = fields.Boolean(
        metadata={"description": "false: the phone could not be read; kept as given"}
    )
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
    value = money("value_currency", "value of won deals, in value_currency")
    value_currency = fields.String(metadata={"description": "the tiers' currency"})
    open_opportunities = fields.Integer()
    won_deals = fields.Integer()
    last_followup_at = fields.DateTime(allow_none=True)
    next_followup_at = fields.DateTime(allow_none=True)
    last_opportunity_at = fields.DateTime(allow_none=True)
    last_won_at = fields.DateTime(allow_none=True)
    recycle_due_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "when the pool's rules would recycle it; kept current on claim, "
            "assignment, each follow-up, unlock and pool rule changes"
        },
    )
    recycle_rule = fields.String(allow_none=True)
    tier_computed_at = fields.DateTime(allow_none=True)
    distance_m = fields.Float(metadata={"description": "only in nearby searches"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    released_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)
    erased_at = fields.DateTime(allow_none=True)


class CustomerListArgsSchema(PageArgsSchema):
    """Filters and order of the customer list (the pool list: ``in_pool=true``)."""

    lead_id = fields.UUID()
    owner_id = fields.UUID()
    pool_id = fields.UUID()
    in_pool = fields.Boolean()
    locked = fields.Boolean()
    archived = fields.Boolean(
        load_default=False,
        metadata={"description": "true: only archived customers (hidden by default)"},
    )
    tier = fields.String(validate=validate.OneOf(TIERS))
    industry = fields.String(validate=validate.Length(max=100))
    region = fields.String(validate=validate.Length(max=100))
    size = fields.String(validate=validate.OneOf(SIZES))
    tag = fields.String(validate=validate.Length(min=1, max=50))
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "name or company contains; or a phone number in any format, "
            "matched normalised against the customer's and its contacts' phones"
        },
    )
    recycle_due_before = AwareDateTime()
    sort = fields.String(
        load_default="created_at",
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "created_at (newest), score or value (highest), name, or"
            " last_activity (last follow-up, else creation; most recent first)"
        },
    )


class NearArgsSchema(StrictSchema):
    """A point and a radius, for planning a day of visits."""

    latitude = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    radius_km = fields.Float(load_default=10.0, validate=validate.Range(min=0.01, max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    mine = fields.Boolean(load_default=False, metadata={"description": "only customers I own"})


CustomerPageSchema = page_of(CustomerSchema)


class NearSchema(StrictSchema):
    """Customers near a point, nearest first."""

    items = fields.List(fields.Nested(CustomerSchema), required=True)
