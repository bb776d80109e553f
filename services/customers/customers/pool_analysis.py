"""Pool analysis over the database: read the facts, let :mod:`rules.pool_analytics` count.

Claims and recycles come from the ownership audit trail, won deals from the
copies ``deal.won`` keeps here; nothing is asked of another service.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope
from crm_shared.errors import Forbidden, ValidationFailed

from .models import Customer, OpportunityCopy, OwnershipChange, Pool, User
from .rules import pool_analytics as rules

# A period longer than this would read a large share of the audit trail in one request.
MAX_DAYS = 366


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)


def team_for(principal: Principal, team_id: uuid.UUID | None) -> uuid.UUID | None:
    """The team the analysis is for: any (or none) for admins, a manager's own team otherwise."""
    if principal.scope is Scope.ALL:
        return team_id
    if team_id is not None and team_id != principal.team_id:
        raise Forbidden("a manager sees the pool analysis of their own team only")
    return principal.team_id


def analytics(session: Session, principal: Principal, args: dict[str, Any]) -> dict[str, Any]:
    """Customers in pools, claims and recycles per week, time to claim, and wins after claims.

    ``from``/``to`` bound the period by day ([from, to), default the last 12
    weeks); ``team_id`` counts only that team's reps' claims and recycles.
    """
    end: date = args.get("to") or (datetime.now(UTC).date() + timedelta(days=1))
    start: date = args.get("from") or end - timedelta(weeks=12)
    if start >= end:
        raise ValidationFailed.field("to", "must be after from")
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed.field("from", f"the period may be at most {MAX_DAYS} days")
    team = team_for(principal, args.get("team_id"))
    members = (
        frozenset(session.scalars(select(User.id).where(User.team_id == team)))
        if team is not None
        else None
    )
    low, high = _bounds(start, end)
    # The customers claimed or recycled in the period, with their whole history:
    # a claim's wait and reason depend on changes before the period began.
    touched = (
        select(OwnershipChange.customer_id)
        .where(
            OwnershipChange.at >= low,
            OwnershipChange.at < high,
            OwnershipChange.action.in_(("claimed", "recycled")),
        )
        .distinct()
    )
    changes = [
        rules.Change(
            customer_id=row.customer_id,
            action=row.action,
            at=row.at,
            to_owner=row.to_owner_id,
            from_owner=row.from_owner_id,
            rule=row.rule,
        )
        for row in session.scalars(
            select(OwnershipChange).where(OwnershipChange.customer_id.in_(touched))
        )
    ]
    claims = rules.in_period(rules.claims_of(changes), start, end, members)
    claimed = {c.customer_id for c in claims}
    wins = [
        rules.Win(w.customer_id, w.won_at, w.amount or Decimal(0), w.currency or "")
        for w in session.scalars(
            select(OpportunityCopy).where(
                OpportunityCopy.status == "won",
                OpportunityCopy.won_at.is_not(None),
                OpportunityCopy.customer_id.in_(claimed),
            )
        )
        if w.won_at is not None
    ]
    return {
        "from_": start,
        "to": end,
        "team_id": team,
        "pools": _in_pools(session),
        "weeks": rules.weekly(changes, start, end, members),
        "claims": len(claims),
        "recycles": sum(
            1
            for c in changes
            if c.action == "recycled"
            and start <= c.at.date() < end
            and (members is None or c.from_owner in members)
        ),
        "median_hours_to_claim": rules.median_hours(c.waited for c in claims),
        "by_reason": [
            {
                "reason": r.reason,
                "claims": r.claims,
                "claims_won": r.claims_won,
                "deals_won": r.deals_won,
                "won": [
                    {"currency": cur, "amount": amount}
                    for cur, amount in sorted((r.won or {}).items())
                ],
            }
            for r in rules.by_reason(claims, wins)
        ],
    }


def _in_pools(session: Session) -> list[dict[str, Any]]:
    """Each pool with the unclaimed, unarchived customers in it now."""
    counts = dict(
        session.execute(
            select(Customer.pool_id, func.count())
            .where(Customer.owner_id.is_(None), Customer.archived_at.is_(None))
            .group_by(Customer.pool_id)
        ).all()
    )
    return [
        {"pool_id": pool.id, "name": pool.name, "customers": counts.get(pool.id, 0)}
        for pool in session.scalars(select(Pool).order_by(Pool.name))
    ]
