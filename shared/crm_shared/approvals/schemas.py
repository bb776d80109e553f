"""What the approvals API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from ..schemas import PageArgsSchema, StrictSchema, page_of
from . import rules


class ConditionSchema(StrictSchema):
    """When a step applies; every clause given must hold."""

    amount_over = fields.Decimal(as_string=True, allow_nan=False, allow_none=True)
    discount_over = fields.Decimal(
        as_string=True, allow_nan=False, allow_none=True, validate=validate.Range(0, 100)
    )
    credit_risk_in = fields.List(fields.String(validate=validate.OneOf(rules.RISK_LEVELS)))
    currency_in = fields.List(fields.String(validate=validate.Regexp(r"^[A-Z]{3}$")))


class ApproverRuleSchema(StrictSchema):
    """Who approves a step."""

    kind = fields.String(required=True, validate=validate.OneOf(rules.APPROVER_KINDS))
    users = fields.List(fields.UUID())
    role = fields.String(validate=validate.Length(min=1, max=50))
    levels = fields.Integer(validate=validate.Range(1, 10))


class StepSchema(StrictSchema):
    """One step of a flow."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    approvers = fields.Nested(ApproverRuleSchema, required=True)
    mode = fields.String(load_default="any", validate=validate.OneOf(rules.MODES))
    condition = fields.Nested(ConditionSchema, load_default=dict)


class FlowInSchema(StrictSchema):
    """An approval flow: ordered steps."""

    steps = fields.List(
        fields.Nested(StepSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    resubmit_from = fields.String(
        load_default="first_step", validate=validate.OneOf(rules.RESUBMIT_FROM)
    )


class FlowSchema(StrictSchema):
    """A document kind's flow as stored."""

    kind = fields.String()
    label = fields.String()
    steps = fields.List(fields.Dict())
    resubmit_from = fields.String()
    version = fields.Integer()
    updated_by = fields.UUID(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class FlowListSchema(StrictSchema):
    """Every document kind of this service with its flow."""

    items = fields.List(fields.Nested(FlowSchema), required=True)


class DecisionSchema(StrictSchema):
    """One action on a request: who, when, and why."""

    action = fields.String()
    actor_id = fields.UUID()
    step_index = fields.Integer(allow_none=True)
    step_name = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    at = fields.DateTime()


class PlannedStepSchema(StrictSchema):
    """A step of a request with its resolved approvers."""

    index = fields.Integer()
    name = fields.String()
    mode = fields.String()
    approvers = fields.List(fields.UUID())
    to_admins = fields.Boolean()
    status = fields.String(metadata={"description": "approved|current|waiting|not_reached|…"})


class RequestSchema(StrictSchema):
    """An approval request as the API shows it."""

    id = fields.UUID()
    service = fields.String()
    kind = fields.String()
    document_id = fields.UUID()
    document_path = fields.String(allow_none=True)
    title = fields.String()
    round = fields.Integer()
    status = fields.String()
    submitter_id = fields.UUID()
    submitted_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    facts = fields.Dict()
    steps = fields.List(fields.Nested(PlannedStepSchema))
    may_act = fields.List(fields.UUID())
    decide_url = fields.String()
    decisions = fields.List(fields.Nested(DecisionSchema))
    inbox_cursor = fields.String(
        metadata={"description": "in ?mine=pending lists: the cursor just after this item"}
    )


class RequestListArgsSchema(PageArgsSchema):
    """``mine=pending`` lists what the caller may decide now."""

    mine = fields.String(required=True, validate=validate.OneOf(["pending"]))


class DecisionInSchema(StrictSchema):
    """A decision's comment (required to reject)."""

    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class HistorySchema(StrictSchema):
    """Every request of one document, first round first."""

    items = fields.List(fields.Nested(RequestSchema), required=True)


RequestPageSchema = page_of(RequestSchema)
