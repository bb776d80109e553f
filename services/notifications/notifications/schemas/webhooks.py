"""Webhook endpoints, their delivery log and the outbound allow-list."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema


class ConditionSchema(StrictSchema):
    """``field op value`` on the event's data."""

    field = fields.String(required=True)
    op = fields.String(
        load_default="eq",
        validate=validate.OneOf(("eq", "ne", "in", "gt", "lt", "contains", "exists")),
    )
    value = fields.Raw(allow_none=True)


class EndpointInSchema(StrictSchema):
    """A new subscription: an https URL, event types and an optional filter on the data."""

    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2048),
        metadata={"example": "https://erp.example.com/crm/events"},
    )
    event_types = fields.List(
        fields.String(), required=True, metadata={"example": ["lead.captured"]}
    )
    filter = fields.List(fields.Nested(ConditionSchema), load_default=list)
    description = fields.String(load_default="", validate=validate.Length(max=200))


class EndpointPatchSchema(StrictSchema):
    """Changes to a subscription; ``enabled: true`` re-enables a disabled endpoint."""

    url = fields.String(validate=validate.Length(min=1, max=2048))
    event_types = fields.List(fields.String())
    filter = fields.List(fields.Nested(ConditionSchema))
    description = fields.String(validate=validate.Length(max=200))
    enabled = fields.Boolean()


class EndpointSchema(Schema):
    """A subscription (its secret is shown only when created)."""

    id = fields.UUID(required=True)
    url = fields.String(required=True)
    description = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    filter = fields.List(fields.Dict(), required=True)
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(allow_none=True)
    failing_since = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class CreatedEndpointSchema(EndpointSchema):
    """A new subscription with its signing secret: store it now, it is not shown again."""

    secret = fields.String(
        required=True, metadata={"example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
    )


class EndpointListSchema(Schema):
    """Every subscription."""

    items = fields.List(fields.Nested(EndpointSchema), required=True)


class TrySchema(Schema):
    """One attempt of a delivery."""

    number = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    ok = fields.Boolean(required=True)
    status_code = fields.Integer(allow_none=True)
    answer = fields.String(required=True)
    elapsed_ms = fields.Integer(allow_none=True)


class DeliverySchema(Schema):
    """One event for one endpoint and every attempt so far."""

    id = fields.UUID(required=True)
    endpoint_id = fields.UUID(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, sent or failed"})
    attempts = fields.Integer(required=True)
    next_at = fields.DateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_answer = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True)
    tries = fields.List(fields.Nested(TrySchema), required=True)


class DeliveryPageSchema(Schema):
    """A page of the delivery log, newest first."""

    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next_cursor = fields.String(allow_none=True)


class DeliveryArgsSchema(PageArgsSchema):
    """Search the delivery log."""

    status = fields.String(validate=validate.OneOf(("pending", "sent", "failed")))
    event_type = fields.String()


class AllowEntrySchema(StrictSchema):
    """A host name, address or network outbound calls may reach although not public."""

    entry = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"example": "erp.corp.example"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=200))


class AllowEntryOutSchema(Schema):
    """An allow-list entry."""

    entry = fields.String(required=True)
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class AllowListInSchema(StrictSchema):
    """The whole allow-list, replaced."""

    items = fields.List(fields.Nested(AllowEntrySchema), required=True)


class AllowListSchema(Schema):
    """The allow-list."""

    items = fields.List(fields.Nested(AllowEntryOutSchema), required=True)
