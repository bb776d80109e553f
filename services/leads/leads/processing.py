"""The work after capture: scoring, duplicate review, assignment, auto-qualification.

The worker's ``process-leads`` job takes leads flagged ``needs_processing``
(new captures, touches, edits) in batches with ``FOR UPDATE SKIP LOCKED``,
so any number of workers share the backlog without taking the same lead
twice. Assignment locks the routing rule's row, then the chosen member's
row, in that order everywhere: two processes can never hand out the same
round-robin turn or push a member over their cap.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import imports, outbox
from crm_shared.config import Settings
from crm_shared.db import Database, utcnow

from . import assignment, scoring
from .lifecycle import BEHAVIOURS, FOLLOW_UPS, OPEN_STATUSES
from .model import Model, features
from .models import (
    AssignmentRule,
    AssignmentRuleMember,
    Lead,
    LeadActivity,
    Member,
    ScoringRule,
    Setting,
)

log = logging.getLogger(__name__)

QUALIFICATION_DEFAULTS = {
    "auto_qualify": False,
    "threshold": 80,
    "model_enabled": False,
    "model_weight": 0.3,
}
ATTRIBUTES = (*scoring.ATTRIBUTE_FIELDS,)


def setting(session: Session, key: str, default: Any) -> Any:
    """A stored setting, or ``default``."""
    row = session.get(Setting, key)
    return row.value if row is not None else default


def put_setting(session: Session, key: str, value: Any) -> None:
    """Store a setting."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=utcnow()))
    else:
        row.value = value
        row.updated_at = utcnow()


def qualification_settings(session: Session) -> dict[str, Any]:
    """Auto-qualification and model settings, defaults filled in."""
    return {**QUALIFICATION_DEFAULTS, **(setting(session, "qualification", {}) or {})}


def load_rules(
    session: Session,
) -> tuple[list[scoring.AttributeRule], list[scoring.BehaviourRule]]:
    """The active scoring rules as the scoring function takes them."""
    attributes, behaviours = [], []
    for rule in session.scalars(select(ScoringRule).where(ScoringRule.active.is_(True))):
        if rule.kind == "attribute":
            attributes.append(
                scoring.AttributeRule(
                    str(rule.id),
                    rule.name,
                    rule.field or "",
                    rule.operator or "",
                    rule.value,
                    rule.points,
                )
            )
        else:
            behaviours.append(
                scoring.BehaviourRule(
                    str(rule.id),
                    rule.name,
                    rule.activity_kind or "",
                    rule.points,
                    rule.half_life_days or 30.0,
                    rule.cap or 100,
                )
            )
    return attributes, behaviours


def seed_scoring_rules(session: Session) -> None:
    """Give a fresh install sensible rules (once; an admin may then change them)."""
    if setting(session, "scoring_seeded", False):
        return
    for name, attr, operator, value, points in scoring.DEFAULT_ATTRIBUTE_RULES:
        session.add(
            ScoringRule(
                name=name,
                kind="attribute",
                field=attr,
                operator=operator,
                value=value,
                points=points,
                active=True,
                created_at=utcnow(),
            )
        )
    for name, kind, points, half_life, cap in scoring.DEFAULT_BEHAVIOUR_RULES:
        session.add(
            ScoringRule(
                name=name,
                kind="behaviour",
                activity_kind=kind,
                points=points,
                half_life_days=half_life,
                cap=cap,
                active=True,
                created_at=utcnow(),
            )
        )
    put_setting(session, "scoring_seeded", True)


def lead_attributes(lead: Lead) -> dict[str, Any]:
    """The attributes rules and the model look at."""
    return {name: getattr(lead, name) for name in ATTRIBUTES}


def behaviour_of(session: Session, lead_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list]:
    """(kind, time) of each lead's behaviour; a form capture counts as a form submit."""
    found: dict[uuid.UUID, list[tuple[str, datetime]]] = {i: [] for i in lead_ids}
    if not lead_ids:
        return found
    rows = session.execute(
        select(
            LeadActivity.lead_id,
            LeadActivity.kind,
            LeadActivity.occurred_at,
            LeadActivity.details,
        ).where(
            LeadActivity.lead_id.in_(lead_ids),
            LeadActivity.kind.in_([*BEHAVIOURS, "captured", "touch"]),
        )
    )
    for lead_id, kind, when, details in rows:
        if kind in ("captured", "touch"):
            if not (details or {}).get("form"):
                continue
            kind = "form_submit"
        found[lead_id].append((kind, when))
    return found


def current_model(session: Session) -> Model | None:
    """The learned model, when one was trained and it is switched on."""
    stored = setting(session, "model", None)
    return Model.from_dict(stored) if stored else None


def rescore(
    lead: Lead,
    activities: Iterable[tuple[str, datetime]],
    rules: tuple[list[scoring.AttributeRule], list[scoring.BehaviourRule]],
    now: datetime,
    model: Model | None = None,
    model_weight: float = 0.0,
) -> None:
    """Recompute a lead's score and reasons."""
    activities = list(activities)
    result = scoring.score_lead(lead_attributes(lead), activities, rules[0], rules[1], now)
    reasons = [
        {"rule_id": r.rule_id, "rule": r.rule, "points": r.points, "detail": r.detail}
        for r in result.reasons
    ]
    value = result.value
    if model is not None and model_weight > 0:
        counts: dict[str, int] = {}
        for kind, _ in activities:
            counts[kind] = counts.get(kind, 0) + 1
        probability = model.probability(features(lead_attributes(lead), counts))
        value = scoring.blend(result.value, probability, model_weight)
        reasons.append(
            {
                "rule_id": "model",
                "rule": "Learned model",
                "points": round(value - result.value, 1),
                "detail": f"P(qualified) = {probability:.2f}, weight {model_weight}",
            }
        )
    lead.score = value
    lead.score_reasons = reasons
    lead.scored_at = now


def qualified_event(lead: Lead, now: datetime, automatic: bool) -> dict[str, Any]:
    """Everything customers and opportunities need from a qualified lead."""
    return {
        "lead_id": lead.id,
        "name": lead.name,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "mobile": lead.mobile,
        "company": lead.company,
        "title": lead.title,
        "industry": lead.industry,
        "company_size": lead.company_size,
        "region": lead.region,
        "country": lead.country,
        "state": lead.state,
        "city": lead.city,
        "website": lead.website,
        "source": lead.source,
        "channel": lead.channel,
        "product_interest": lead.product_interest,
        "campaign_id": lead.campaign_id,
        "score": lead.score,
        "owner_id": lead.owner_id,
        "team_id": lead.team_id,
        "automatic": automatic,
        "qualified_at": now,
    }


def mark_qualified(
    session: Session, lead: Lead, actor_id: uuid.UUID | None, *, automatic: bool
) -> None:
    """Qualify an open lead and publish ``lead.qualified`` (caller checked it may)."""
    now = utcnow()
    lead.status = "qualified"
    lead.qualified_at = now
    lead.updated_at = now
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="qualified",
            actor_id=actor_id,
            occurred_at=now,
            details={"automatic": automatic, "score": lead.score},
        )
    )
    outbox.publish(
        session, "lead.qualified", qualified_event(lead, now, automatic), subject=lead.id
    )


def open_leads(session: Session, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Open (unclosed, unmerged) leads owned by each of ``user_ids``."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(
            Lead.owner_id.in_(user_ids),
            Lead.status.in_(OPEN_STATUSES),
            Lead.merged_into_id.is_(None),
        )
        .group_by(Lead.owner_id)
    )
    return {owner: int(count) for owner, count in rows}


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
    previous = lead.owner_id
    lead.owner_id = member.user_id
    lead.team_id = member.team_id
    lead.assigned_at = now
    lead.first_touch_at = None
    lead.assignment_rule_id = rule.id if rule is not None else lead.assignment_rule_id
    minutes = rule.response_minutes if rule is not None else None
    lead.response_due_at = now + timedelta(minutes=minutes) if minutes else None
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
    if member is None or not (member.active and member.accepting and member.capacity > 0):
        return None
    if (
        member.max_open_leads is not None
        and open_leads(session, [user_id]).get(user_id, 0) >= member.max_open_leads
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
        rules = session.scalars(
            select(AssignmentRule)
            .where(AssignmentRule.active.is_(True))
            .order_by(AssignmentRule.priority, AssignmentRule.created_at)
        ).all()
    attributes = lead_attributes(lead)
    for candidate_rule in rules:
        if not assignment.rule_matches(candidate_rule.conditions or {}, attributes):
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
                assignment.Candidate(
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
            chosen = assignment.choose(
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


def duplicate_candidates(session: Session, leads: Sequence[Lead]) -> dict[str, list]:
    """(created_at, id) of live leads sharing each lead's name-and-company key, oldest first."""
    keys = {lead.duplicate_key for lead in leads if lead.duplicate_key}
    found: dict[str, list[tuple[datetime, uuid.UUID]]] = {}
    if not keys:
        return found
    with session.no_autoflush:
        rows = session.execute(
            select(Lead.duplicate_key, Lead.created_at, Lead.id).where(
                Lead.duplicate_key.in_(keys), Lead.merged_into_id.is_(None)
            )
        )
        for key, created_at, lead_id in rows:
            found.setdefault(key, []).append((created_at, lead_id))
    for entries in found.values():
        entries.sort()
    return found


def flag_duplicate(session: Session, lead: Lead, candidates: dict[str, list] | None = None) -> None:
    """Point a lead at an older live lead with the same name and company, for review."""
    if not lead.duplicate_key or lead.possible_duplicate_of is not None:
        return
    if candidates is None:
        candidates = duplicate_candidates(session, [lead])
    other = next(
        (
            lead_id
            for created_at, lead_id in candidates.get(lead.duplicate_key, [])
            if lead_id != lead.id and created_at <= lead.created_at
        ),
        None,
    )
    if other is not None:
        lead.possible_duplicate_of = other
        session.add(
            LeadActivity(
                lead_id=lead.id,
                kind="duplicate_flagged",
                note="same name and company as another lead; review and merge if so",
                details={"other_id": str(other)},
            )
        )


def process_pending(db: Database, settings: Settings | None = None, *, limit: int = 200) -> int:
    """Score, review, assign and (optionally) qualify one batch of flagged leads."""
    now = utcnow()
    with db.transaction() as session:
        leads = session.scalars(
            select(Lead)
            .where(Lead.needs_processing.is_(True))
            .order_by(Lead.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not leads:
            return 0
        rules = load_rules(session)
        qualification = qualification_settings(session)
        model = current_model(session) if qualification["model_enabled"] else None
        behaviour = behaviour_of(session, [lead.id for lead in leads])
        routing = session.scalars(
            select(AssignmentRule)
            .where(AssignmentRule.active.is_(True))
            .order_by(AssignmentRule.priority, AssignmentRule.created_at)
        ).all()
        candidates = duplicate_candidates(session, leads)
        for lead in leads:
            lead.needs_processing = False
            if lead.merged_into_id is not None:
                continue
            rescore(lead, behaviour[lead.id], rules, now, model, qualification["model_weight"])
            flag_duplicate(session, lead, candidates)
            if lead.status not in OPEN_STATUSES:
                continue
            if lead.owner_id is None and lead.auto_assign:
                assign_by_rules(session, lead, now, rules=routing)
            if qualification["auto_qualify"] and lead.score >= qualification["threshold"]:
                mark_qualified(session, lead, None, automatic=True)
        return len(leads)


def process_all(db: Database, settings: Settings | None = None) -> int:
    """Work through the backlog (the job's body); bounded so the job yields now and then.

    While a lead import runs it waits: the import shares this worker, and
    scoring its rows one small batch at a time as they land would slow it
    down several times over; they are scored in full batches once it ends.
    """
    if imports.in_progress(db, "leads"):
        return 0
    total = 0
    for _ in range(50):
        done = process_pending(db, settings)
        total += done
        if done == 0:
            break
    return total


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


def refresh_member_stats(db: Database, settings: Settings | None = None, *, days: int = 90) -> int:
    """Recompute each member's recent conversion rate and response time."""
    now = utcnow()
    since = now - timedelta(days=days)
    with db.transaction() as session:
        rows = session.execute(
            select(Lead.owner_id, Lead.status, Lead.assigned_at, Lead.first_touch_at).where(
                Lead.owner_id.is_not(None),
                Lead.assigned_at.is_not(None),
                Lead.assigned_at >= since,
                Lead.merged_into_id.is_(None),
            )
        ).all()
        per: dict[uuid.UUID, dict[str, Any]] = {}
        for owner, status, assigned_at, touched_at in rows:
            stats = per.setdefault(owner, {"won": 0, "closed": 0, "minutes": []})
            if status in ("qualified", "disqualified"):
                stats["closed"] += 1
                stats["won"] += status == "qualified"
            if touched_at is not None and assigned_at is not None:
                stats["minutes"].append(max(0.0, (touched_at - assigned_at).total_seconds() / 60))
        members = session.scalars(select(Member)).all()
        for member in members:
            stats = per.get(member.user_id)
            member.conversion_rate = (
                round(stats["won"] / stats["closed"], 4) if stats and stats["closed"] else None
            )
            member.response_minutes = (
                round(sum(stats["minutes"]) / len(stats["minutes"]), 1)
                if stats and stats["minutes"]
                else None
            )
            member.stats_at = now
        return len(members)


def touched_by_follow_up(lead: Lead, kind: str, actor_id: uuid.UUID | None, now: datetime) -> None:
    """A follow-up by the owner stops the response clock."""
    if kind in FOLLOW_UPS and lead.first_touch_at is None and actor_id == lead.owner_id:
        lead.first_touch_at = now
        lead.response_due_at = None
