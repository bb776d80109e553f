"""The calendar and its feed."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from .fields import AwareDateTime


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
