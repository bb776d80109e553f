"""Field visits."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema, page_of

from .fields import AwareDateTime, PeriodArgsSchema


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


class VisitListArgsSchema(PeriodArgsSchema):
    """Filters of the visit list (per rep, per customer, per period)."""

    rep_id = fields.UUID()
    customer_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(("checked_in", "checked_out")))
    far_from_address = fields.Boolean()


VisitPageSchema = page_of(VisitSchema)
