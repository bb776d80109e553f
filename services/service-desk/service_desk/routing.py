"""Routing over the database: groups and their agents, rules, and assignments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed

from . import sla_revision
from .models import Assignment, Calendar, GroupAgent, RoutingRuleRow, SupportGroup, Ticket
from .rules.routing import AgentLoad, RoutingRule, TicketFacts, choose_agent, choose_rule
from .sla import refresh_figures
from .tickets import get

OPEN_STATUSES = ("new", "open", "pending")


def create_group(session: Session, data: dict[str, Any]) -> SupportGroup:
    """Keep a new group; its name is unique."""
    if data.get("calendar_id") and session.get(Calendar, data["calendar_id"]) is None:
        raise ValidationFailed.field("calendar_id", "no such calendar")
    group = SupportGroup(id=uuid.uuid4(), **data)
    try:
        with session.begin_nested():
            session.add(group)
    except IntegrityError as exc:
        raise ValidationFailed.field("name", "a group with this name exists") from exc
    if group.calendar_id:
        sla_revision.touch(session)
    return group


def group(session: Session, group_id: uuid.UUID) -> SupportGroup:
    """A group; 404 otherwise."""
    found = session.get(SupportGroup, group_id)
    if found is None:
        raise NotFound("no such group")
    return found


def list_groups(session: Session) -> list[SupportGroup]:
    """Every group, by name."""
    return list(session.scalars(select(SupportGroup).order_by(SupportGroup.name)))


def set_agent(
    session: Session, group_id: uuid.UUID, user_id: uuid.UUID, data: dict[str, Any]
) -> GroupAgent:
    """Add an agent to a group or change their skills and availability."""
    group(session, group_id)
    member = session.get(GroupAgent, (group_id, user_id))
    if member is None:
        member = GroupAgent(group_id=group_id, user_id=user_id, skills=[], available=True)
        session.add(member)
    if "skills" in data:
        member.skills = sorted(set(data["skills"]))
    if "available" in data:
        member.available = data["available"]
    return member


def agents_of(session: Session, group_id: uuid.UUID) -> list[GroupAgent]:
    """A group's agents."""
    return list(
        session.scalars(
            select(GroupAgent).where(GroupAgent.group_id == group_id).order_by(GroupAgent.user_id)
        )
    )


def create_rule(session: Session, data: dict[str, Any]) -> RoutingRuleRow:
    """Keep a routing rule to an existing group."""
    if session.get(SupportGroup, data["group_id"]) is None:
        raise ValidationFailed.field("group_id", "no such group")
    rule = RoutingRuleRow(id=uuid.uuid4(), **data)
    rule.skills = sorted(set(data.get("skills") or []))
    session.add(rule)
    return rule


def list_rules(session: Session) -> list[RoutingRuleRow]:
    """Every rule in the order they are tried."""
    return list(
        session.scalars(select(RoutingRuleRow).order_by(RoutingRuleRow.position, RoutingRuleRow.id))
    )


def _loads(session: Session, group_id: uuid.UUID) -> list[AgentLoad]:
    members = agents_of(session, group_id)
    counts = dict(
        session.execute(
            select(Ticket.assignee_id, func.count())
            .where(
                Ticket.assignee_id.in_([m.user_id for m in members]),
                Ticket.status.in_(OPEN_STATUSES),
            )
            .group_by(Ticket.assignee_id)
        ).all()
    )
    return [
        AgentLoad(
            id=m.user_id,
            available=m.available,
            open_tickets=counts.get(m.user_id, 0),
            last_assigned_at=m.last_assigned_at,
            skills=frozenset(m.skills or []),
        )
        for m in members
    ]


def _assign(
    session: Session,
    ticket: Ticket,
    group_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
    *,
    reason: str | None,
    by: uuid.UUID | None,
    now: datetime,
) -> None:
    previous = ticket.assignee_id
    ticket.group_id, ticket.assignee_id = group_id, assignee_id
    if group_id is not None and assignee_id is not None:
        member = session.get(GroupAgent, (group_id, assignee_id))
        if member is not None:
            member.last_assigned_at = now
    session.add(
        Assignment(
            id=uuid.uuid4(),
            ticket_id=ticket.id,
            group_id=group_id,
            assignee_id=assignee_id,
            reason=reason,
            by=by,
            at=now,
        )
    )
    outbox.publish(
        session,
        "ticket.assigned",
        {
            "ticket_id": ticket.id,
            "customer_id": ticket.customer_id,
            "group_id": group_id,
            "assignee_id": assignee_id,
            "previous_assignee_id": previous,
            "reason": reason,
            "assigned_by": by,
            "assigned_at": now,
        },
        subject=ticket.id,
    )


def route(session: Session, ticket: Ticket, now: datetime | None = None) -> None:
    """Put a new ticket in the group its first matching rule names, with an agent if one
    is available under the cap; publish ``ticket.assigned`` when a rule matched."""
    now = now or utcnow()
    rows = list_rules(session)
    rules = [
        RoutingRule(
            r.id,
            r.position,
            r.group_id,
            r.category,
            r.priority,
            r.tier,
            r.channel,
            r.product_id,
            frozenset(r.skills or []),
        )
        for r in rows
    ]
    facts = TicketFacts(
        ticket.category, ticket.priority, ticket.tier, ticket.channel, ticket.product_id
    )
    rule = choose_rule(rules, facts)
    if rule is None:
        return
    # Lock the group so two tickets routed at once do not both take the same turn.
    target = session.scalars(
        select(SupportGroup).where(SupportGroup.id == rule.group_id).with_for_update()
    ).one()
    agent = choose_agent(
        target.strategy, _loads(session, target.id), cap=target.cap_per_agent, skills=rule.skills
    )
    _assign(session, ticket, target.id, agent, reason="routing rule", by=None, now=now)


def reassign(
    session: Session, principal: Principal, ticket_id: uuid.UUID, data: dict[str, Any]
) -> Ticket:
    """Give a ticket to another group and/or agent, with a reason."""
    ticket = get(session, principal, ticket_id, lock=True)
    if ticket.status == "closed":
        raise Conflict("a closed ticket cannot be reassigned")
    group_id = data.get("group_id", ticket.group_id)
    assignee_id = data.get("assignee_id")
    if group_id is not None and session.get(SupportGroup, group_id) is None:
        raise ValidationFailed.field("group_id", "no such group")
    if assignee_id is not None and (
        group_id is None or session.get(GroupAgent, (group_id, assignee_id)) is None
    ):
        raise ValidationFailed.field("assignee_id", "not an agent of this group")
    _assign(
        session,
        ticket,
        group_id,
        assignee_id,
        reason=data["reason"],
        by=principal.id,
        now=utcnow(),
    )
    # Another group may mean another calendar for the clocks.
    refresh_figures(session, ticket)
    return ticket


def group_ids_of(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The groups an agent belongs to."""
    return list(session.scalars(select(GroupAgent.group_id).where(GroupAgent.user_id == user_id)))
