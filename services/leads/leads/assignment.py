"""Assignment: routing leads to members by the rules, by hand, and again when overdue.

Which rule matches and which member is next is :mod:`leads.rules.assignment`;
this module locks and persists. Assignment locks the routing rule's row,
then the chosen member's row, in that order everywhere: two processes can
never hand out the same round-robin turn or push a member over their cap.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.config import Settings
from crm_shared.db import Database, utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .access import get_lead, is_manager
from .capture_events import derive_before_event
from .members import open_leads
from .models import AssignmentRule, AssignmentRuleMember, Lead, LeadActivity, Member
from .rules import assignment as routing
from .rules.lifecycle import OPEN_STATUSES
from .scoring import lead_attributes


def active_rules(session: Session) -> Sequence[AssignmentRule]:
    """The active routing rules, in the order they are tried."""
    return session.scalars(
        select(AssignmentRule)
        .where(AssignmentRule.active.is_(True))
        .order_by(AssignmentRule.priority, AssignmentRule.created_at)
    ).all()


def record_assignment(
    session: Session,
    lead: Lead,
    member: Member,
    *,
    method: str,
    now: datetime,
    rule: AssignmentRule | None = None,
    reason: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Give ``lead`` to ``member``, note it in the history and publish ``lead.assigned``."""
    derive_before_event(session, [lead])  # its lead.captured goes out first
    previous = lead.owner_id
    lead.owner_id = member.user_id
    lead.team_id = member.team_id
    lead.assigned_at = now
    lead.first_touch_at = None
    lead.assignment_rule_id = rule.id if rule is not None else lead.assignment_rule_id
    lead.response_due_at = routing.response_due(
        now, rule.response_minutes if rule is not None else None
    )
    lead.auto_assign = False
    lead.updated_at = now
    details = {
        "method": method,
        "owner_id": str(member.user_id),
        "previous_owner_id": str(previous) if previous else None,
        "rule_id": str(rule.id) if rule is not None else None,
        "strategy": rule.strategy if rule is not None else None,
    }
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="assigned",
            note=reason,
            actor_id=actor_id,
            occurred_at=now,
            details=details,
        )
    )
    outbox.publish(
        session,
        "lead.assigned",
        {
            "lead_id": lead.id,
            "owner_id": member.user_id,
            "team_id": member.team_id,
            "previous_owner_id": previous,
            "rule_id": rule.id if rule is not None else None,
            "method": method,
            "strategy": rule.strategy if rule is not None else None,
            "reason": reason,
            "assigned_by": actor_id,
            "response_due_at": lead.response_due_at,
            "assigned_at": now,
        },
        subject=lead.id,
    )


def lock_member_under_cap(session: Session, user_id: uuid.UUID) -> Member | None:
    """The member's row, locked, when they may take one more lead now; else None."""
    member = session.execute(
        select(Member).where(Member.user_id == user_id).with_for_update()
    ).scalar_one_or_none()
    if member is None or not routing.takes_leads(member.active, member.accepting, member.capacity):
        return None
    if member.max_open_leads is not None and not routing.under_cap(
        open_leads(session, [user_id]).get(user_id, 0), member.max_open_leads
    ):
        return None
    return member


def assign_by_rules(
    session: Session,
    lead: Lead,
    now: datetime,
    *,
    method: str = "rule",
    exclude: frozenset[uuid.UUID] = frozenset(),
    rules: Sequence[AssignmentRule] | None = None,
) -> Member | None:
    """Route ``lead`` by the first matching rule with an eligible member; None if nobody."""
    if rules is None:
        rules = active_rules(session)
    attributes = lead_attributes(lead)
    for candidate_rule in rules:
        if not routing.rule_matches(candidate_rule.conditions or {}, attributes):
            continue
        # The rule's row is the turnstile: one assignment through it at a time.
        rule = session.execute(
            select(AssignmentRule)
            .where(AssignmentRule.id == candidate_rule.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        entries = session.execute(
            select(AssignmentRuleMember, Member)
            .join(Member, Member.user_id == AssignmentRuleMember.user_id)
            .where(AssignmentRuleMember.rule_id == rule.id)
        ).all()
        if not entries:
            continue
        loads = open_leads(session, [m.user_id for _, m in entries])
        skip = set(exclude)
        while True:
            candidates = [
                routing.Candidate(
                    user_id=m.user_id,
                    position=e.position,
                    capacity=m.capacity,
                    open_leads=loads.get(m.user_id, 0),
                    max_open=m.max_open_leads,
                    assigned=e.assigned_count,
                    conversion_rate=m.conversion_rate,
                    response_minutes=m.response_minutes,
                    active=m.active and m.accepting,
                )
                for e, m in entries
            ]
            chosen = routing.choose(
                rule.strategy,
                candidates,
                rule.cursor,
                exclude=frozenset(skip),
                target_minutes=float(rule.response_minutes or 60),
            )
            if chosen is None:
                break
            member = lock_member_under_cap(session, chosen.user_id)
            if member is None:  # filled up through another rule meanwhile
                skip.add(chosen.user_id)
                continue
            entry = next(e for e, m in entries if m.user_id == chosen.user_id)
            entry.assigned_count += 1
            rule.cursor = entry.position
            record_assignment(session, lead, member, method=method, now=now, rule=rule)
            return member
    return None


def reassign_overdue(db: Database, settings: Settings | None = None) -> int:
    """Give leads nobody acted on within their rule's response time to someone else."""
    now = utcnow()
    moved = 0
    with db.transaction() as session:
        leads = session.scalars(
            select(Lead)
            .where(
                Lead.owner_id.is_not(None),
                Lead.response_due_at.is_not(None),
                Lead.response_due_at < now,
                Lead.first_touch_at.is_(None),
                Lead.status.in_(OPEN_STATUSES),
                Lead.merged_into_id.is_(None),
                Lead.archived_at.is_(None),
            )
            .order_by(Lead.response_due_at)
            .limit(100)
            .with_for_update(skip_locked=True)
        ).all()
        for lead in leads:
            previous = lead.owner_id
            rules = None
            if lead.assignment_rule_id is not None:
                own = session.get(AssignmentRule, lead.assignment_rule_id)
                rules = [own] if own is not None and own.active else None
            member = assign_by_rules(
                session,
                lead,
                now,
                method="response_timeout",
                exclude=frozenset({previous}) if previous else frozenset(),
                rules=rules,
            )
            if member is None:
                # Nobody else can take it: keep the owner, stop the clock, say so.
                lead.response_due_at = None
                session.add(
                    LeadActivity(
                        lead_id=lead.id,
                        kind="response_overdue",
                        note="no response in time and nobody else eligible; owner kept",
                        occurred_at=now,
                    )
                )
            else:
                moved += 1
    return moved


def assign_manually(
    session: Session, principal: Principal, lead_id: uuid.UUID, owner_id: uuid.UUID, reason: str
) -> Lead:
    """A manager gives a lead to someone, with a reason."""
    if not is_manager(principal):
        raise Forbidden("only managers and admins reassign leads")
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.status not in OPEN_STATUSES or lead.merged_into_id is not None:
        raise Conflict(f"a {lead.status} lead is not reassigned", current_status=lead.status)
    if lead.archived_at is not None:
        raise Conflict("an archived lead is not reassigned; restore it first")
    target = session.get(Member, owner_id)
    if target is None or not target.active:
        raise ValidationFailed.field("owner_id", "is not an active member")
    if not principal.is_admin and target.team_id != principal.team_id:
        raise ValidationFailed.field("owner_id", "is not in your team")
    if target.user_id == lead.owner_id:
        return lead
    member = lock_member_under_cap(session, owner_id)
    if member is None:
        raise Conflict("this member is not taking leads or is at their open-lead cap")
    record_assignment(
        session, lead, member, method="manual", now=utcnow(), reason=reason, actor_id=principal.id
    )
    return lead


# ---------------------------------------------------------------- routing rules


def _rule_dict(session: Session, rule: AssignmentRule) -> dict[str, Any]:
    members = session.scalars(
        select(AssignmentRuleMember)
        .where(AssignmentRuleMember.rule_id == rule.id)
        .order_by(AssignmentRuleMember.position)
    ).all()
    return {
        **{
            c: getattr(rule, c)
            for c in (
                "id",
                "name",
                "priority",
                "strategy",
                "conditions",
                "response_minutes",
                "active",
            )
        },
        "members": [
            {"user_id": m.user_id, "position": m.position, "assigned_count": m.assigned_count}
            for m in members
        ],
    }


def list_assignment_rules(session: Session) -> list[dict[str, Any]]:
    """Rules in the order they are tried."""
    rules = session.scalars(
        select(AssignmentRule).order_by(AssignmentRule.priority, AssignmentRule.created_at)
    ).all()
    return [_rule_dict(session, r) for r in rules]


def _check_members(session: Session, principal: Principal, user_ids: list[uuid.UUID]) -> None:
    if len(set(user_ids)) != len(user_ids):
        raise ValidationFailed.field("members", "lists someone twice")
    known = {
        m.user_id: m for m in session.scalars(select(Member).where(Member.user_id.in_(user_ids)))
    }
    missing = [str(u) for u in user_ids if u not in known]
    if missing:
        raise ValidationFailed.field("members", "unknown users: " + ", ".join(missing))
    if not principal.is_admin:
        foreign = [str(u) for u in user_ids if known[u].team_id != principal.team_id]
        if foreign:
            raise ValidationFailed.field("members", "not in your team: " + ", ".join(foreign))


def save_assignment_rule(
    session: Session, principal: Principal, data: dict[str, Any], rule_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """Create or replace a routing rule and its rotation."""
    members = data.pop("members")
    _check_members(session, principal, members)
    if rule_id is None:
        rule = AssignmentRule(id=uuid.uuid4(), created_at=utcnow(), cursor=-1, **data)
        session.add(rule)
        session.flush()
        previous: dict[uuid.UUID, int] = {}
    else:
        found = session.execute(
            select(AssignmentRule).where(AssignmentRule.id == rule_id).with_for_update()
        ).scalar_one_or_none()
        if found is None:
            raise NotFound("no such assignment rule")
        rule = found
        for key, value in data.items():
            setattr(rule, key, value)
        rule.updated_at = utcnow()
        previous = {
            m.user_id: m.assigned_count
            for m in session.scalars(
                select(AssignmentRuleMember).where(AssignmentRuleMember.rule_id == rule.id)
            )
        }
        session.execute(delete(AssignmentRuleMember).where(AssignmentRuleMember.rule_id == rule.id))
        rule.cursor = -1
    for position, user_id in enumerate(members):
        session.add(
            AssignmentRuleMember(
                rule_id=rule.id,
                user_id=user_id,
                position=position,
                assigned_count=previous.get(user_id, 0),
            )
        )
    session.flush()
    return _rule_dict(session, rule)


def delete_assignment_rule(session: Session, rule_id: uuid.UUID) -> None:
    """Remove a routing rule."""
    rule = session.get(AssignmentRule, rule_id)
    if rule is None:
        raise NotFound("no such assignment rule")
    session.delete(rule)
