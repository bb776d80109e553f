"""Tasks."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema, page_of

from .fields import AwareDateTime

PRIORITIES = ("low", "normal", "high", "urgent")


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


TaskPageSchema = page_of(TaskSchema)
