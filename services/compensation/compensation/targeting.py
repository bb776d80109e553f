"""Targets: allocated top-down by managers, declared (申报) by reps, approved and locked."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .models import Period, Target
from .rules.periods import parse_period
from .rules.targets import MONEY_METRICS, Levels, allocation_gap, level_errors, may_declare

LIVE = ("allocated", "declared", "approved")


def levels_of(target: Target) -> Levels:
    """A stored target's three levels."""
    return Levels(target.target, target.stretch, target.challenge)


def _current(
    session: Session, kind: str, subject: uuid.UUID | None, period: str, metric: str, status: str
) -> Target | None:
    return session.scalar(
        select(Target)
        .where(
            Target.subject_kind == kind,
            Target.subject_id.is_(None) if subject is None else Target.subject_id == subject,
            Target.period == period,
            Target.metric == metric,
            Target.status == status,
        )
        .order_by(Target.version.desc(), Target.created_at.desc())
        .limit(1)
    )


def effective(
    session: Session, kind: str, subject: uuid.UUID | None, period: str, metric: str
) -> Target | None:
    """The target that counts: the newest approved version, else the current allocation."""
    return _current(session, kind, subject, period, metric, "approved") or _current(
        session, kind, subject, period, metric, "allocated"
    )


def user_goals(session: Session, month: str) -> dict[tuple[uuid.UUID, str], Decimal]:
    """Every rep's target that counts for a month, by (rep, metric), read in one query."""
    rows = session.scalars(
        select(Target)
        .where(
            Target.subject_kind == "user",
            Target.period == month,
            Target.status.in_(("approved", "allocated")),
        )
        .order_by(Target.version, Target.created_at)
    ).all()
    goals: dict[tuple[uuid.UUID, str], Decimal] = {}
    approved: set[tuple[uuid.UUID, str]] = set()
    for row in rows:  # oldest first: later versions overwrite; approved beats allocated
        assert row.subject_id is not None
        key = (row.subject_id, row.metric)
        if row.status == "approved":
            approved.add(key)
            goals[key] = row.target
        elif key not in approved:
            goals[key] = row.target
    return goals


def effective_levels(
    session: Session, kind: str, subject: uuid.UUID | None, period: str, metric: str
) -> Levels | None:
    """The levels that count for a period; a quarter or year without its own sums its months."""
    own = effective(session, kind, subject, period, metric)
    if own is not None:
        return levels_of(own)
    parsed = parse_period(period)
    if parsed.kind == "month":
        return None
    months = [effective(session, kind, subject, m, metric) for m in parsed.months]
    found = [t for t in months if t is not None]
    if not found:
        return None

    def total(values: list[Decimal | None]) -> Decimal | None:
        present = [v for v in values if v is not None]
        return None if len(present) != len(values) else sum(present, Decimal(0))

    if metric == "avg_satisfaction":  # an average does not add up over months
        return Levels(max(t.target for t in found))
    return Levels(
        sum((t.target for t in found), Decimal(0)),
        total([t.stretch for t in found]),
        total([t.challenge for t in found]),
    )


def _check(data: dict[str, Any]) -> Levels:
    levels = Levels(data["target"], data.get("stretch"), data.get("challenge"))
    errors = [{"field": f, "message": m} for f, m in level_errors(levels)]
    if data["metric"] in MONEY_METRICS and not data.get("currency"):
        errors.append({"field": "currency", "message": "a money target needs its currency"})
    if errors:
        raise ValidationFailed("the target is not valid", errors=errors)
    return levels


def _period_open(session: Session, period: str) -> None:
    for month in parse_period(period).months:
        state = session.get(Period, month)
        if state is not None and state.status == "closed":
            raise Conflict(f"period {month} is closed: its targets are locked")


def allocate(session: Session, principal: Principal, data: dict[str, Any]) -> Target:
    """A manager sets a target top-down for their team or a member; admins for anyone.

    An approved target is locked for its period: a change is a new
    declaration, approved again.
    """
    if principal.scope is Scope.OWN:
        raise Forbidden("only managers and admins allocate targets")
    kind = data["subject_kind"]
    subject = data.get("subject_id")
    team = data.get("team_id")
    if kind == "company":
        subject, team = None, None
        if not principal.is_admin:
            raise Forbidden("only admins set the company's targets")
    elif kind == "team":
        subject = subject or principal.team_id
        team = subject
    elif subject is None:
        raise ValidationFailed(
            "whose target?",
            errors=[{"field": "subject_id", "message": "required for a user target"}],
        )
    if kind != "company" and subject is None:
        raise ValidationFailed(
            "whose target?", errors=[{"field": "subject_id", "message": "is required"}]
        )
    if principal.scope is Scope.TEAM and (team or principal.team_id) != principal.team_id:
        raise NotFound("no such team in your scope")
    team = team if kind != "user" else (team or principal.team_id)
    levels = _check(data)
    _period_open(session, data["period"])
    if _current(session, kind, subject, data["period"], data["metric"], "approved") is not None:
        raise Conflict("this target is approved and locked for the period; declare a new version")
    previous = _current(session, kind, subject, data["period"], data["metric"], "allocated")
    if previous is not None:
        previous.status = "superseded"
    target = Target(
        period=data["period"],
        subject_kind=kind,
        subject_id=subject,
        team_id=team,
        metric=data["metric"],
        currency=data.get("currency"),
        target=levels.target,
        stretch=levels.stretch,
        challenge=levels.challenge,
        source="allocation",
        status="allocated",
        version=(previous.version + 1) if previous else 1,
        comment=data.get("comment"),
        created_by=principal.id,
    )
    session.add(target)
    session.flush()
    return target


def declare(session: Session, principal: Principal, data: dict[str, Any]) -> Target:
    """A rep declares their own target for a coming period, for their manager to approve."""
    subject = data.get("subject_id") or principal.id
    if not may_declare(principal.id, subject):
        raise Forbidden("a declaration is your own: nobody declares for someone else")
    levels = _check(data)
    _period_open(session, data["period"])
    if _current(session, "user", subject, data["period"], data["metric"], "declared"):
        raise Conflict("a declaration for this period and metric is already waiting for approval")
    latest = session.scalar(
        select(Target.version)
        .where(
            Target.subject_kind == "user",
            Target.subject_id == subject,
            Target.period == data["period"],
            Target.metric == data["metric"],
        )
        .order_by(Target.version.desc())
        .limit(1)
    )
    target = Target(
        period=data["period"],
        subject_kind="user",
        subject_id=subject,
        team_id=principal.team_id,
        metric=data["metric"],
        currency=data.get("currency"),
        target=levels.target,
        stretch=levels.stretch,
        challenge=levels.challenge,
        source="declaration",
        status="declared",
        version=(latest or 0) + 1,
        comment=data.get("comment"),
        declared={
            "target": str(levels.target),
            "stretch": None if levels.stretch is None else str(levels.stretch),
            "challenge": None if levels.challenge is None else str(levels.challenge),
        },
        created_by=principal.id,
    )
    session.add(target)
    session.flush()
    return target


def adjust(target: Target, data: dict[str, Any]) -> None:
    """The approver changes the declared levels before approving; the reason is kept."""
    levels = Levels(
        data.get("target", target.target),
        data.get("stretch", target.stretch),
        data.get("challenge", target.challenge),
    )
    errors = [{"field": f, "message": m} for f, m in level_errors(levels)]
    if errors:
        raise ValidationFailed("the adjusted target is not valid", errors=errors)
    target.target, target.stretch, target.challenge = (
        levels.target,
        levels.stretch,
        levels.challenge,
    )
    target.adjustment_reason = data["reason"]


def mark_decided(session: Session, target: Target, status: str, actor: uuid.UUID) -> None:
    """Close a declaration: approved ones supersede the earlier approved version."""
    if status == "approved":
        previous = _current(
            session,
            target.subject_kind,
            target.subject_id,
            target.period,
            target.metric,
            "approved",
        )
        if previous is not None and previous.id != target.id:
            previous.status = "superseded"
    target.status = status
    target.decided_by = actor
    target.decided_at = utcnow()


def get(session: Session, principal: Principal, target_id: uuid.UUID) -> Target:
    """One target in the caller's scope, or 404."""
    target = session.get(Target, target_id)
    if target is None or not visible(principal, target):
        raise NotFound("no such target")
    return target


def visible(principal: Principal, target: Target) -> bool:
    """Reps see their own and the company's; managers their team's; admins all."""
    if principal.scope is Scope.ALL or target.subject_kind == "company":
        return True
    if principal.scope is Scope.TEAM:
        return target.team_id == principal.team_id or target.subject_id == principal.id
    return target.subject_kind == "user" and target.subject_id == principal.id


def listing(session: Session, principal: Principal, args: dict[str, Any]) -> list[Target]:
    """Targets in scope for a period, live versions only unless asked for history."""
    statement = select(Target).where(Target.period == args["period"])
    if not args.get("history"):
        statement = statement.where(Target.status.in_(LIVE))
    if args.get("metric"):
        statement = statement.where(Target.metric == args["metric"])
    if args.get("subject_id"):
        statement = statement.where(Target.subject_id == args["subject_id"])
    if args.get("team_id"):
        statement = statement.where(Target.team_id == args["team_id"])
    rows = session.scalars(statement.order_by(Target.created_at)).all()
    return [t for t in rows if visible(principal, t)]


def overview(
    session: Session, principal: Principal, team_id: uuid.UUID | None, period: str, metric: str
) -> dict[str, Any]:
    """A team's target beside its members': allocated, declared and approved, and the gap."""
    team = team_id or principal.team_id
    if team is None:
        raise ValidationFailed(
            "which team?", errors=[{"field": "team_id", "message": "is required"}]
        )
    if principal.scope is Scope.OWN or (
        principal.scope is Scope.TEAM and team != principal.team_id
    ):
        raise NotFound("no such team in your scope")
    team_target = effective(session, "team", team, period, metric)
    rows = session.scalars(
        select(Target).where(
            Target.subject_kind == "user",
            Target.team_id == team,
            Target.period == period,
            Target.metric == metric,
            Target.status.in_(LIVE),
        )
    ).all()
    members: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        assert row.subject_id is not None
        entry = members.setdefault(
            row.subject_id,
            {"user_id": row.subject_id, "allocated": None, "declared": None, "approved": None},
        )
        entry[row.status] = row.target
    counted = [
        (m["approved"] if m["approved"] is not None else m["allocated"]) for m in members.values()
    ]
    gap = allocation_gap(
        team_target.target if team_target else None, [c for c in counted if c is not None]
    )
    return {
        "team_id": team,
        "period": period,
        "metric": metric,
        "team_target": team_target.target if team_target else None,
        "members": sorted(members.values(), key=lambda m: str(m["user_id"])),
        "allocated_to_members": sum((c for c in counted if c is not None), Decimal(0)),
        "gap": gap,
    }
