"""Automation rules, their run log, dry runs and the service credential."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema

from ..rules.automations import ACTION_TYPES
from .webhooks import ConditionSchema

DELAY_EXAMPLE = {"business_hours": 2, "calendar": "default"}


class CancelSchema(StrictSchema):
    """A later event that cancels the run: its type, and which fields must agree."""

    event_type = fields.String(required=True, metadata={"example": "lead.qualified"})
    match = fields.String(required=True, metadata={"description": "a field of the trigger"})
    on = fields.String(metadata={"description": "the cancelling event's field (default: match)"})


class ActionSchema(StrictSchema):
    """One action; which fields apply depends on its type."""

    type = fields.String(required=True, validate=validate.OneOf(ACTION_TYPES))
    after = fields.Dict(metadata={"example": {"business_hours": 2}})
    channel = fields.String(metadata={"example": "in_app"})
    recipients = fields.List(fields.String(), metadata={"example": ["owner", "owner_manager"]})
    message = fields.String(metadata={"example": "Lead {{ lead_id }} still waits."})
    assignee = fields.String(metadata={"example": "owner"})
    title = fields.String(metadata={"example": "Send the quote"})
    due_in = fields.Dict(metadata={"example": {"days": 2}})
    endpoint_id = fields.String()


class RuleInSchema(StrictSchema):
    """A new rule: when ⟨event⟩ and ⟨conditions⟩, after ⟨delay⟩ unless ⟨event⟩, do ⟨actions⟩.

    With ``template_key`` the shipped template is the start and the fields
    given here replace its parts.
    """

    template_key = fields.String()
    name = fields.String(validate=validate.Length(max=200))
    event_type = fields.String(metadata={"example": "lead.assigned"})
    conditions = fields.List(fields.Nested(ConditionSchema))
    delay = fields.Dict(metadata={"example": DELAY_EXAMPLE})
    unless = fields.List(fields.Nested(CancelSchema))
    actions = fields.List(fields.Nested(ActionSchema))
    enabled = fields.Boolean()


class RulePatchSchema(StrictSchema):
    """Changes to a rule: the parts given replace the stored ones."""

    name = fields.String(validate=validate.Length(max=200))
    event_type = fields.String()
    conditions = fields.List(fields.Nested(ConditionSchema))
    delay = fields.Dict()
    unless = fields.List(fields.Nested(CancelSchema))
    actions = fields.List(fields.Nested(ActionSchema))
    enabled = fields.Boolean()


class RuleSchema(Schema):
    """A saved rule."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    event_type = fields.String(required=True)
    conditions = fields.List(fields.Dict(), required=True)
    delay = fields.Dict(required=True)
    unless = fields.List(fields.Dict(), required=True)
    actions = fields.List(fields.Dict(), required=True)
    enabled = fields.Boolean(required=True)
    template_key = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.UUID(allow_none=True)
    updated_at = fields.DateTime(required=True)


class RuleListSchema(Schema):
    """Every rule."""

    items = fields.List(fields.Nested(RuleSchema), required=True)


class RuleTemplateSchema(Schema):
    """A shipped rule to start from."""

    key = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    rule = fields.Dict(required=True)


class RuleTemplateListSchema(Schema):
    """The shipped templates."""

    items = fields.List(fields.Nested(RuleTemplateSchema), required=True)


class StepSchema(Schema):
    """One action of a run and what became of it."""

    action_index = fields.Integer(required=True)
    type = fields.String(required=True)
    due_at = fields.DateTime(required=True)
    status = fields.String(required=True, metadata={"description": "pending|done|failed|cancelled"})
    attempts = fields.Integer(required=True)
    answer = fields.String(allow_none=True)
    done_at = fields.DateTime(allow_none=True)


class RunSchema(Schema):
    """One firing of the rule for one event."""

    id = fields.UUID(required=True)
    trigger_event_id = fields.String(required=True)
    trigger_type = fields.String(required=True)
    chain = fields.List(fields.String(), required=True)
    status = fields.String(
        required=True, metadata={"description": "scheduled|done|failed|cancelled"}
    )
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(StepSchema), required=True)


class RunArgsSchema(PageArgsSchema):
    """Filters of the run log."""

    status = fields.String(validate=validate.OneOf(("scheduled", "done", "failed", "cancelled")))


class RunPageSchema(Schema):
    """One page of the run log."""

    items = fields.List(fields.Nested(RunSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class DryRunInSchema(StrictSchema):
    """Which stored events to try: one (and what followed it), or the newest ``limit``."""

    event_id = fields.String(validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DryActionSchema(Schema):
    """An action as it would be performed."""

    index = fields.Integer(required=True)
    type = fields.String(required=True)
    due_at = fields.DateTime(required=True)
    channel = fields.String()
    recipients = fields.List(fields.String())
    message = fields.String(allow_none=True)
    task = fields.Dict(allow_none=True)
    endpoint_id = fields.String()
    error = fields.String()


class DryResultSchema(Schema):
    """What the rule would do with one stored event."""

    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    matched = fields.Boolean(required=True)
    reason = fields.String(required=True)
    cancelled_by = fields.String(allow_none=True)
    actions = fields.List(fields.Nested(DryActionSchema), required=True)


class DryRunSchema(Schema):
    """A dry run's answer."""

    rule_id = fields.UUID(required=True)
    events = fields.Integer(required=True)
    results = fields.List(fields.Nested(DryResultSchema), required=True)


class CredentialInSchema(StrictSchema):
    """The API key (role admin, resource ``tasks``) the worker creates tasks with."""

    api_key = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class CredentialSchema(Schema):
    """Whether a service credential is set; never the key itself."""

    configured = fields.Boolean(required=True)
    source = fields.String(allow_none=True, metadata={"description": "admin|environment"})
    prefix = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
