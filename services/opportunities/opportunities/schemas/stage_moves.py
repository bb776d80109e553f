"""What the stage-move, win, lose and reopen endpoints accept and return."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema


class MoveSchema(StrictSchema):
    """Where a deal moves."""

    stage_id = fields.UUID(required=True)


class LoseSchema(StrictSchema):
    """Why a deal was lost (one of the admins' reasons), and to whom."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    competitor = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class ReopenSchema(StrictSchema):
    """Why a closed deal is reopened, and into which open stage (default: its last)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=400))
    stage_id = fields.UUID(load_default=None)


class StageStaySchema(StrictSchema):
    """One stay of a deal in a stage."""

    id = fields.UUID()
    from_stage_id = fields.UUID(allow_none=True)
    from_stage = fields.String(allow_none=True)
    to_stage_id = fields.UUID()
    to_stage = fields.String(allow_none=True)
    changed_by = fields.UUID(allow_none=True)
    entered_at = fields.DateTime()
    left_at = fields.DateTime(allow_none=True)
    seconds_in_stage = fields.Integer()
    note = fields.String(allow_none=True)


class FieldChangeSchema(StrictSchema):
    """One change of a tracked field."""

    field = fields.String()
    from_value = fields.String(allow_none=True)
    to_value = fields.String(allow_none=True)
    changed_by = fields.UUID(allow_none=True)
    changed_at = fields.DateTime()


class HistorySchema(StrictSchema):
    """A deal's history: stage stays and field changes."""

    stages = fields.List(fields.Nested(StageStaySchema))
    changes = fields.List(fields.Nested(FieldChangeSchema))
