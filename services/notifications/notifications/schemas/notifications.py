"""The in-app list and a user's preferences."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema


class _Flag(fields.Boolean):
    """A boolean stored as 0/1."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> bool | None:
        return None if value is None else bool(value)


class NotificationSchema(Schema):
    """One entry of the caller's list; ``count`` > 1 when a flood folded into it."""

    id = fields.UUID(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True)
    count = fields.Integer(required=True)
    unread = _Flag(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class ListArgsSchema(PageArgsSchema):
    """Which page of the list."""

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    unread_only = fields.Boolean(load_default=False)


class NotificationPageSchema(Schema):
    """A page of the list, unread first, and the unread count."""

    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_cursor = fields.String(allow_none=True)
    unread = fields.Integer(required=True)


class UnreadSchema(Schema):
    """How many entries are unread."""

    unread = fields.Integer(required=True)


class MarkedSchema(Schema):
    """How many entries were marked read."""

    marked = fields.Integer(required=True)


class PreferencesInSchema(StrictSchema):
    """Changes to the caller's own preferences; what is left out stays."""

    language = fields.String(validate=validate.OneOf(("zh-CN", "en")))
    timezone = fields.String(validate=validate.Length(min=1, max=64))
    quiet_start = fields.String(allow_none=True, metadata={"example": "22:00"})
    quiet_end = fields.String(allow_none=True, metadata={"example": "08:00"})
    digest = fields.Boolean(metadata={"description": "a daily digest instead of single messages"})
    digest_hour = fields.Integer(validate=validate.Range(min=0, max=23))
    channels = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=fields.Dict(
            keys=fields.String(validate=validate.Length(max=40)), values=fields.Boolean()
        ),
        metadata={
            "description": "per event type, channel on or off",
            "example": {"lead.assigned": {"email": False}},
        },
    )
    addresses = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.String(allow_none=True, validate=validate.Length(max=2000)),
        metadata={"description": "per channel, where to reach the caller (email: another address)"},
    )


class PreferencesSchema(Schema):
    """The caller's preferences, defaults filled in."""

    language = fields.String(required=True)
    timezone = fields.String(required=True)
    quiet_start = fields.String(allow_none=True)
    quiet_end = fields.String(allow_none=True)
    digest = fields.Boolean(required=True)
    digest_hour = fields.Integer(required=True)
    channels = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Boolean())
    )
    addresses = fields.Dict(keys=fields.String(), values=fields.String())
    account_email = fields.String(allow_none=True)
    event_types = fields.List(fields.String())
    available_channels = fields.List(fields.String())
