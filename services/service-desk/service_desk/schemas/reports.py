"""What the reports API accepts and returns."""

from __future__ import annotations

from marshmallow import fields

from crm_shared.schemas import StrictSchema


class ReportArgsSchema(StrictSchema):
    """The period (tickets opened in it) and an optional group or agent."""

    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(required=True)
    group_id = fields.UUID()
    assignee_id = fields.UUID()


class ReportSchema(StrictSchema):
    """Volume, business-time medians and p90, SLA compliance, backlog and CSAT."""

    since = fields.DateTime()
    until = fields.DateTime()
    volume = fields.Dict()
    first_response_minutes = fields.Dict()
    resolution_minutes = fields.Dict()
    sla_compliance = fields.Dict()
    backlog = fields.Dict()
    csat = fields.Dict()
