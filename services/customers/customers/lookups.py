"""Small reads the use cases share: a known user, the default pool, a pool's rules and fields."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import DEFAULT_POOL_ID, Pool, User
from .rules.recycling import PoolRules


def user(session: Session, user_id: uuid.UUID) -> User | None:
    """The local copy of a gateway user."""
    return session.get(User, user_id)


def pool(session: Session, pool_id: uuid.UUID) -> Pool:
    """A customer's pool (it always exists: customers refer to it by a foreign key)."""
    found = session.get(Pool, pool_id)
    if found is None:  # pragma: no cover - only if someone deleted it by hand
        raise RuntimeError(f"pool {pool_id} is missing")
    return found


def pool_rules(pool: Pool) -> PoolRules:
    """A pool's rules with defaults filled in."""
    return PoolRules.from_dict(pool.rules)


def default_pool(session: Session) -> Pool:
    """The pool customers start in (created by the migration)."""
    pool = session.get(Pool, DEFAULT_POOL_ID)
    if pool is None:  # pragma: no cover - only if someone deleted it by hand
        pool = session.scalar(select(Pool).where(Pool.is_default.is_(True)))
    if pool is None:  # pragma: no cover
        raise RuntimeError("the default pool is missing; run the migrations")
    return pool


def hidden_fields_by_pool(session: Session) -> dict[uuid.UUID, list[str]]:
    """Each pool's hidden fields (a small table, read once per request)."""
    return {
        row.id: list(row.hidden_fields or [])
        for row in session.execute(select(Pool.id, Pool.hidden_fields))
    }
