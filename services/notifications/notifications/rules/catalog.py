"""The events people are told about: labels, links, who caused them, default routes.

Data, not code paths: the migration's bootstrap seeds the routing table from
:data:`DEFAULT_ROUTES`, admins edit it from there.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh-CN", "en")
IN_APP = "in_app"
EMAIL = "email"

# Channels a user receives an event on unless their preferences say otherwise.
DEFAULT_CHANNELS = (IN_APP, EMAIL)


def _field(name: str) -> dict[str, Any]:
    return {"kind": "field", "field": name}


# event type -> (zh-CN label, en label, link pattern, fields naming whoever caused it)
EVENTS: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "lead.assigned": ("线索分配", "Lead assigned", "/leads/{lead_id}", ("assigned_by",)),
    "task.reminder_due": ("任务提醒", "Task reminder", "/tasks/{task_id}", ()),
    "customer.recycle_warning": (
        "客户即将回收",
        "Customer about to be recycled",
        "/customers/{customer_id}",
        (),
    ),
    "customer.recycled": (
        "客户已回收公海",
        "Customer recycled to the pool",
        "/customers/{customer_id}",
        ("recycled_by",),
    ),
    "customer.claimed": (
        "客户被领取",
        "Customer claimed",
        "/customers/{customer_id}",
        ("owner_id",),
    ),
    "customer.assigned": (
        "客户分配",
        "Customer assigned",
        "/customers/{customer_id}",
        ("assigned_by",),
    ),
    "approval.requested": ("待审批", "Approval requested", "{decide_url}", ("submitter_id",)),
    "approval.decided": ("审批结果", "Approval decided", None, ("decided_by",)),
    "payment.due_soon": ("回款即将到期", "Payment due soon", "/orders/{order_id}", ()),
    "payment.overdue": ("回款逾期", "Payment overdue", "/orders/{order_id}", ()),
    "ticket.assigned": ("工单分配", "Ticket assigned", "/tickets/{ticket_id}", ("assigned_by",)),
    "ticket.sla_warning": ("工单即将超时", "Ticket SLA warning", "/tickets/{ticket_id}", ()),
    "ticket.sla_breached": ("工单已超时", "Ticket SLA breached", "/tickets/{ticket_id}", ()),
    "ticket.rated": ("客户评价", "Customer rated a ticket", "/tickets/{ticket_id}", ()),
    "target.approved": ("目标已批准", "Target approved", None, ("approved_by",)),
    "payout.approved": ("提成已批准", "Payout approved", None, ()),
}

# What the service tells admins about itself (a channel paused...): routed to admins always.
SYSTEM_EVENTS = {
    "notifications.channel_paused": ("通知渠道已暂停", "Channel paused"),
    # What an automation rule's notify action puts in the bell (rules.automations).
    "automation.notice": ("自动化提醒", "Automation reminder"),
}

DEFAULT_ROUTES: dict[str, list[dict[str, Any]]] = {
    "lead.assigned": [_field("owner_id"), _field("previous_owner_id")],
    "task.reminder_due": [_field("owner_id")],
    "customer.recycle_warning": [_field("owner_id")],
    "customer.recycled": [_field("previous_owner_id")],
    # The claim names the new owner only; the one who held it before is the
    # previous owner of its latest recycling, which this service saw.
    "customer.claimed": [
        {
            "kind": "earlier",
            "event_type": "customer.recycled",
            "match": "customer_id",
            "field": "previous_owner_id",
        }
    ],
    "customer.assigned": [_field("owner_id"), _field("previous_owner_id")],
    "approval.requested": [_field("approver_id")],
    "approval.decided": [_field("submitter_id")],
    "payment.due_soon": [_field("owner_id")],
    "payment.overdue": [_field("owner_id"), _field("recipient_ids")],
    "ticket.assigned": [_field("assignee_id"), _field("previous_assignee_id")],
    "ticket.sla_warning": [_field("assignee_id")],
    "ticket.sla_breached": [_field("assignee_id"), _field("escalate_to")],
    "ticket.rated": [_field("customer_owner_id")],
    "target.approved": [{"kind": "field", "field": "subject_id", "when": {"subject_kind": "user"}}],
    "payout.approved": [_field("owner_id")],
}


def known_event_types() -> tuple[str, ...]:
    """Every event type a route, a template or a preference may name."""
    return tuple(EVENTS)


def label(event_type: str, language: str) -> str:
    """The event type's name in ``language`` (the type itself when unknown)."""
    entry = EVENTS.get(event_type) or SYSTEM_EVENTS.get(event_type)
    if entry is None:
        return event_type
    return entry[0] if language == "zh-CN" else entry[1]


def link(event_type: str, data: dict[str, Any]) -> str | None:
    """Where in the console the event's record is, or None."""
    entry = EVENTS.get(event_type)
    if entry is None or entry[2] is None:
        return None
    try:
        return entry[2].format(**data)[:500]
    except (KeyError, IndexError, ValueError):
        return None


def actors(event_type: str, data: dict[str, Any]) -> set[str]:
    """Users who caused the event: they are not told about their own act."""
    entry = EVENTS.get(event_type)
    if entry is None:
        return set()
    return {str(data[f]) for f in entry[3] if data.get(f)}
