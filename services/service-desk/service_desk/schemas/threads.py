"""What the thread API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema


class AttachmentInSchema(StrictSchema):
    """A file attached to a message, its bytes in base64."""

    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = fields.String(load_default=None, allow_none=True)
    content_base64 = fields.String(required=True)


class MessageInSchema(StrictSchema):
    """A public reply or an internal note."""

    visibility = fields.String(required=True, validate=validate.OneOf(("public", "internal")))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    attachments = fields.List(
        fields.Nested(AttachmentInSchema), load_default=list, validate=validate.Length(max=10)
    )


class AttachmentSchema(StrictSchema):
    """A kept attachment."""

    file_id = fields.UUID()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class MessageSchema(StrictSchema):
    """One entry of the thread."""

    id = fields.UUID()
    visibility = fields.String()
    author_kind = fields.String()
    author_id = fields.UUID(allow_none=True)
    body = fields.String()
    attachments = fields.List(fields.Nested(AttachmentSchema))
    created_at = fields.DateTime()


class ThreadSchema(StrictSchema):
    """The thread, oldest first."""

    items = fields.List(fields.Nested(MessageSchema))
