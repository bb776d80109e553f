"""What admins read and change: routes, templates, the delivery log, channels."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema


class RouteSchema(Schema):
    """Who is told about one event type."""

    event_type = fields.String(required=True)
    recipients = fields.List(fields.Dict(), required=True)
    enabled = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.UUID(allow_none=True)


class RouteListSchema(Schema):
    """Every route."""

    items = fields.List(fields.Nested(RouteSchema), required=True)


class RouteInSchema(StrictSchema):
    """A route's new rules (see docs/notifications.md for the rule kinds)."""

    recipients = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "example": [
                {"kind": "field", "field": "owner_id"},
                {"kind": "manager", "field": "owner_id", "levels": 1},
            ]
        },
    )
    enabled = fields.Boolean(load_default=True)


class TemplateSchema(Schema):
    """One event type's template in one language, and its last render error."""

    event_type = fields.String(required=True)
    language = fields.String(required=True)
    subject = fields.String(required=True)
    text = fields.String(required=True)
    html = fields.String(allow_none=True)
    updated_at = fields.DateTime(required=True)
    updated_by = fields.UUID(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_error_at = fields.DateTime(allow_none=True)


class TemplateListArgsSchema(StrictSchema):
    """Filter the templates by event type."""

    event_type = fields.String(validate=validate.Length(max=80))


class TemplateListSchema(Schema):
    """Templates."""

    items = fields.List(fields.Nested(TemplateSchema), required=True)


class TemplateInSchema(StrictSchema):
    """A template's new text (Jinja2, sandboxed; the event's data fields by name)."""

    subject = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    html = fields.String(allow_none=True, validate=validate.Length(max=20000))


class PreviewInSchema(StrictSchema):
    """Render a template (the stored one, or this draft) against a real stored event."""

    event_id = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "default: the newest of the type"},
    )
    subject = fields.String(validate=validate.Length(min=1, max=2000))
    text = fields.String(validate=validate.Length(min=1, max=20000))
    html = fields.String(allow_none=True, validate=validate.Length(max=20000))


class PreviewSchema(Schema):
    """The rendered result."""

    event_id = fields.String(required=True)
    subject = fields.String(required=True)
    text = fields.String(required=True)
    html = fields.String(required=True)


class AttemptSchema(Schema):
    """One try."""

    number = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    ok = fields.Boolean(required=True)
    answer = fields.String(required=True)


class MessageSchema(Schema):
    """A message in the delivery log."""

    id = fields.UUID(required=True)
    recipient_id = fields.UUID(required=True)
    channel = fields.String(required=True)
    address = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    language = fields.String(required=True)
    subject = fields.String(required=True)
    items = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(required=True)
    last_answer = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)


class MessageDetailSchema(MessageSchema):
    """A message with its text and every attempt."""

    text = fields.String(required=True)
    html = fields.String(required=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema), required=True)


class MessageListArgsSchema(PageArgsSchema):
    """Search the delivery log."""

    recipient_id = fields.UUID()
    channel = fields.String(validate=validate.Length(max=40))
    status = fields.String(validate=validate.OneOf(("pending", "sent", "failed")))
    event_type = fields.String(validate=validate.Length(max=80))


class MessagePageSchema(Schema):
    """A page of the delivery log, newest first."""

    items = fields.List(fields.Nested(MessageSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class ChannelSchema(Schema):
    """A channel's state."""

    channel = fields.String(required=True)
    configured = fields.Boolean(required=True)
    paused = fields.Boolean(required=True)
    failures_in_row = fields.Integer(required=True)
    paused_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class ChannelListSchema(Schema):
    """Every channel."""

    items = fields.List(fields.Nested(ChannelSchema), required=True)
