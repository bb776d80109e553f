"""Targets: allocations, declarations, decisions and the team overview."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import CurrencyField, StrictSchema

from .common import figure, metric_field, period_field


class LevelsSchema(StrictSchema):
    """Target (目标), stretch (冲刺), challenge (挑战)."""

    target = figure(required=True)
    stretch = figure(allow_none=True)
    challenge = figure(allow_none=True)


class AllocationInSchema(LevelsSchema):
    """A manager's top-down target for the company, a team or a member."""

    period = period_field(required=True)
    metric = metric_field(required=True)
    currency = CurrencyField(allow_none=True)
    subject_kind = fields.String(
        required=True, validate=validate.OneOf(("company", "team", "user"))
    )
    subject_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True, metadata={"description": "a member's team"})
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))


class DeclarationInSchema(LevelsSchema):
    """A rep's own target for a coming period (申报)."""

    period = period_field(required=True)
    metric = metric_field(required=True)
    currency = CurrencyField(allow_none=True)
    subject_id = fields.UUID(metadata={"description": "must be the caller"})
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))


class AdjustInSchema(StrictSchema):
    """The approver's change to a declaration, with the reason kept."""

    target = figure()
    stretch = figure(allow_none=True)
    challenge = figure(allow_none=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TargetSchema(StrictSchema):
    """A target as stored."""

    id = fields.UUID()
    period = fields.String()
    subject_kind = fields.String()
    subject_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    metric = fields.String()
    currency = fields.String(allow_none=True)
    target = figure()
    stretch = figure(allow_none=True)
    challenge = figure(allow_none=True)
    source = fields.String()
    status = fields.String()
    version = fields.Integer()
    comment = fields.String(allow_none=True)
    declared = fields.Dict(allow_none=True, metadata={"description": "the levels as declared"})
    adjustment_reason = fields.String(allow_none=True)
    created_by = fields.UUID()
    decided_by = fields.UUID(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    approval_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class TargetListArgsSchema(StrictSchema):
    """Which targets."""

    period = period_field(required=True)
    metric = metric_field()
    subject_id = fields.UUID()
    team_id = fields.UUID()
    history = fields.Boolean(metadata={"description": "include superseded and rejected versions"})


class TargetListSchema(StrictSchema):
    """Targets of a period."""

    items = fields.List(fields.Nested(TargetSchema))


class OverviewArgsSchema(StrictSchema):
    """A team's allocation for a period and metric."""

    period = period_field(required=True)
    metric = metric_field(required=True)
    team_id = fields.UUID()


class MemberTargetSchema(StrictSchema):
    """A member's allocated, declared and approved target side by side."""

    user_id = fields.UUID()
    allocated = figure(allow_none=True)
    declared = figure(allow_none=True)
    approved = figure(allow_none=True)


class OverviewSchema(StrictSchema):
    """The team target beside what its members were given, and the gap, not hidden."""

    team_id = fields.UUID()
    period = fields.String()
    metric = fields.String()
    team_target = figure(allow_none=True)
    members = fields.List(fields.Nested(MemberTargetSchema))
    allocated_to_members = figure()
    gap = figure(allow_none=True, metadata={"description": "team target minus members' targets"})
