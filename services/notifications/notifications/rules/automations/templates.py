"""The automation rules that ship as templates for admins to start from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Rule
from .parsing import parse_rule


@dataclass(frozen=True)
class Template:
    """A rule admins can start from."""

    key: str
    name: str
    description: str
    rule: Mapping[str, Any] = field(default_factory=dict)


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="lead_not_contacted",
        name="Lead assigned and not worked within 2 business hours",
        description=(
            "Reminds the owner 2 business hours after a lead is assigned, then their manager "
            "2 business "
            "hours later, unless the lead is qualified, disqualified or reassigned first."
        ),
        rule={
            "name": "Lead not contacted within 2 business hours",
            "event_type": "lead.assigned",
            "delay": {"business_hours": 2},
            "unless": [
                {"event_type": "lead.qualified", "match": "lead_id"},
                {"event_type": "lead.disqualified", "match": "lead_id"},
                {"event_type": "lead.assigned", "match": "lead_id"},
            ],
            "actions": [
                {
                    "type": "notify",
                    "channel": "in_app",
                    "recipients": ["owner"],
                    "message": (
                        "Lead {{ lead_id }} was assigned to you 2 business hours ago "
                        "and is still waiting."
                    ),
                },
                {
                    "type": "notify",
                    "channel": "in_app",
                    "after": {"business_hours": 2},
                    "recipients": ["owner_manager"],
                    "message": "Lead {{ lead_id }} has waited 4 business hours for its owner.",
                },
            ],
        },
    ),
    Template(
        key="proposal_send_quote",
        name="Deal enters proposal: send the quote",
        description=(
            "Creates a task for the owner to send the quote, due 2 days after the deal "
            "enters the proposal stage."
        ),
        rule={
            "name": "Send the quote",
            "event_type": "opportunity.stage_changed",
            "conditions": [{"field": "to_stage", "op": "eq", "value": "proposal"}],
            "actions": [
                {
                    "type": "create_task",
                    "assignee": "owner",
                    "title": "Send the quote ({{ amount }} {{ currency }})",
                    "due_in": {"days": 2},
                }
            ],
        },
    ),
    Template(
        key="installment_due_soon",
        name="Installment due in 3 days: remind the owner",
        description="Reminds the order's owner when an installment falls due in 3 days.",
        rule={
            "name": "Installment due in 3 days",
            "event_type": "payment.due_soon",
            "conditions": [{"field": "days_left", "op": "eq", "value": 3}],
            "actions": [
                {
                    "type": "notify",
                    "channel": "in_app",
                    "recipients": ["owner"],
                    "message": (
                        "An installment of {{ outstanding }} {{ currency }} falls due on "
                        "{{ due_on }}."
                    ),
                }
            ],
        },
    ),
)


def template(key: str) -> Template | None:
    """The shipped template called ``key``."""
    return next((t for t in TEMPLATES if t.key == key), None)


def validate_all(rules: Iterable[Mapping[str, Any]], **kwargs: Any) -> list[Rule]:
    """Parse several rules (the shipped templates, a bulk import)."""
    return [parse_rule(r, **kwargs) for r in rules]
