"""What the pipeline and lost-reason endpoints accept and return."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.stages import FORECAST_CATEGORIES, REQUIREMENTS, STAGE_KINDS


class StageInSchema(StrictSchema):
    """One stage of a pipeline being saved; ``id`` keeps an existing stage."""

    id = fields.UUID()
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(load_default="open", validate=validate.OneOf(STAGE_KINDS))
    probability = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    forecast_category = fields.String(required=True, validate=validate.OneOf(FORECAST_CATEGORIES))
    stale_after_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650)
    )
    requirements = fields.List(
        fields.String(validate=validate.OneOf(REQUIREMENTS)), load_default=list
    )
    replaces = fields.List(
        fields.UUID(),
        load_default=list,
        metadata={"description": "deleted stages whose deals move to this one"},
    )


class StageSchema(StrictSchema):
    """A stage as the API shows it."""

    id = fields.UUID()
    pipeline_id = fields.UUID()
    name = fields.String()
    position = fields.Integer()
    kind = fields.String()
    probability = fields.Integer()
    forecast_category = fields.String()
    stale_after_days = fields.Integer(allow_none=True)
    requirements = fields.List(fields.String())


class PipelineInSchema(StrictSchema):
    """A new pipeline."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    is_default = fields.Boolean(load_default=False)
    team_ids = fields.List(fields.UUID(), load_default=list)
    stages = fields.List(
        fields.Nested(StageInSchema), required=True, validate=validate.Length(min=3, max=30)
    )


class PipelinePatchSchema(StrictSchema):
    """Changes to a pipeline; ``stages`` replaces the whole ordered list."""

    name = fields.String(validate=validate.Length(min=1, max=100))
    is_default = fields.Boolean()
    team_ids = fields.List(fields.UUID())
    stages = fields.List(fields.Nested(StageInSchema), validate=validate.Length(min=3, max=30))


class PipelineSchema(StrictSchema):
    """A pipeline with its stages in order."""

    id = fields.UUID()
    name = fields.String()
    is_default = fields.Boolean()
    team_ids = fields.List(fields.String())
    stages = fields.List(fields.Nested(StageSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PipelineListSchema(StrictSchema):
    """Every pipeline the caller may use."""

    items = fields.List(fields.Nested(PipelineSchema))
    next_cursor = fields.String(allow_none=True)


class LostReasonInSchema(StrictSchema):
    """A reason to add to the list."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class LostReasonSchema(StrictSchema):
    """A reason deals may be lost for."""

    id = fields.UUID()
    name = fields.String()
    active = fields.Boolean()


class LostReasonListSchema(StrictSchema):
    """The lost-reason list."""

    items = fields.List(fields.Nested(LostReasonSchema))
    next_cursor = fields.String(allow_none=True)
