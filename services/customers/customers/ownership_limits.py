"""Ownership limits over the database: which limit applies to a rep, counting, and their admin.

The limits themselves (and their 409 answers) are in :mod:`customers.rules.limits`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed

from . import access, locking, lookups
from .models import (
    Customer,
    OwnershipChange,
    OwnershipLimit,
    Pool,
)
from .rules import limits


def limit_for(
    session: Session, user_id: uuid.UUID, team_id: uuid.UUID | None
) -> limits.OwnershipLimit | None:
    """The limit that applies to ``user_id``: their own, else their team's, else the default."""
    subjects = [f"user:{user_id}", "default"] + ([f"team:{team_id}"] if team_id else [])
    rows = {
        row.subject: row
        for row in session.scalars(
            select(OwnershipLimit).where(OwnershipLimit.subject.in_(subjects))
        )
    }

    def make(subject: str, scope: str) -> limits.OwnershipLimit | None:
        row = rows.get(subject)
        return limits.OwnershipLimit(row.max_owned, row.include_won, scope) if row else None

    return limits.choose_limit(
        make(f"user:{user_id}", "user"),
        make(f"team:{team_id}", "team") if team_id else None,
        make("default", "default"),
    )


def check_owned_limit(session: Session, user_id: uuid.UUID, team_id: uuid.UUID | None) -> None:
    """Refuse ``user_id`` one more customer beyond their limit (409 naming it).

    Counted under a lock on the user, so two parallel moves to one rep cannot
    both pass a limit the first one fills.
    """
    locking.serialize_on(session, user_id)
    limit = limit_for(session, user_id, team_id)
    if limit is None:
        return
    limits.check_owned(limit, owned_count(session, user_id, limit))


def owned_count(session: Session, user_id: uuid.UUID, limit: limits.OwnershipLimit | None) -> int:
    """How many customers ``user_id`` owns as ``limit`` counts them (won ones or not)."""
    statement = select(func.count()).select_from(Customer).where(Customer.owner_id == user_id)
    if limit is not None and not limit.include_won:
        statement = statement.where(Customer.won_deals == 0)
    return session.scalar(statement) or 0


def claimed_today(session: Session, user_id: uuid.UUID, pool_id: uuid.UUID, now: datetime) -> int:
    """How many customers ``user_id`` has claimed from the pool since the start of ``now``'s day."""
    return (
        session.scalar(
            select(func.count())
            .select_from(OwnershipChange)
            .where(
                OwnershipChange.actor_id == user_id,
                OwnershipChange.action == "claimed",
                OwnershipChange.pool_id == pool_id,
                OwnershipChange.at >= limits.claims_day_start(now),
            )
        )
        or 0
    )


def my_limits(session: Session, principal: Principal) -> dict[str, Any]:
    """The caller's own limits before they claim: owned against the limit, claims today per pool."""
    limit = limit_for(session, principal.id, principal.team_id)
    owned = owned_count(session, principal.id, limit)
    now = utcnow()
    r = access.reach(session, principal)
    pools = []
    for pool in session.scalars(select(Pool).where(Pool.id.in_(r.pool_ids)).order_by(Pool.name)):
        daily = lookups.pool_rules(pool).daily_claim_limit
        pools.append(
            {
                "pool_id": pool.id,
                "name": pool.name,
                "daily_claim_limit": daily,
                "claimed_today": claimed_today(session, principal.id, pool.id, now),
            }
        )
    return {
        "max_owned": limit.max_owned if limit else None,
        "include_won": limit.include_won if limit else None,
        "scope": limit.scope if limit else None,
        "owned": owned,
        "remaining": max(limit.max_owned - owned, 0) if limit else None,
        "pools": pools,
    }


def list_limits(session: Session) -> list[OwnershipLimit]:
    """Every ownership limit, most general first."""
    return list(session.scalars(select(OwnershipLimit).order_by(OwnershipLimit.subject)))


def put_limit(session: Session, principal: Principal, data: dict[str, Any]) -> OwnershipLimit:
    """Set the ownership limit of a user, of each member of a team, or the default."""
    user_id, team_id = data.get("user_id"), data.get("team_id")
    if user_id and team_id:
        raise ValidationFailed.field("team_id", "give a user or a team, not both")
    subject = f"user:{user_id}" if user_id else f"team:{team_id}" if team_id else "default"
    row = session.scalar(select(OwnershipLimit).where(OwnershipLimit.subject == subject))
    if row is None:
        row = OwnershipLimit(subject=subject, user_id=user_id, team_id=team_id)
        session.add(row)
    row.max_owned = data["max_owned"]
    row.include_won = data["include_won"]
    row.updated_by = principal.id
    row.updated_at = utcnow()
    session.flush()
    return row


def delete_limit(session: Session, limit_id: uuid.UUID) -> None:
    """Remove a limit (the next more general one applies)."""
    row = session.get(OwnershipLimit, limit_id)
    if row is None:
        raise NotFound("no such limit")
    session.delete(row)
