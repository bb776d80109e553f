"""Small database helpers the use cases share: locks, settings, users, pools."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import DEFAULT_POOL_ID, Pool, Setting, User
from .recycling import PoolRules

_LOCK_SALT = 0x43555354  # "CUST": keeps our advisory keys apart from other users of the lock space


def serialize_on(session: Session, key: uuid.UUID) -> None:
    """Hold a transaction-wide lock on ``key`` until this transaction ends.

    Limits that count rows (customers owned, claims today, locks held) are
    checked under it, so two parallel claims by one rep cannot both pass a
    limit the first one fills. On PostgreSQL it is an advisory lock; SQLite
    already serialises writing transactions (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    number = int.from_bytes(key.bytes[:8], "big", signed=True) ^ _LOCK_SALT
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


def get_setting(session: Session, key: str) -> dict[str, Any] | None:
    """A stored run-time setting, or None."""
    row = session.get(Setting, key)
    return dict(row.value) if row is not None else None


def put_setting(session: Session, key: str, value: dict[str, Any], by: uuid.UUID | None) -> None:
    """Store a run-time setting."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_by=by))
    else:
        row.value = value
        row.updated_by = by


def user(session: Session, user_id: uuid.UUID) -> User | None:
    """The local copy of a gateway user."""
    return session.get(User, user_id)


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


def tier_currency(session: Session) -> str:
    """The currency customer values and tier thresholds are counted in."""
    from .tiers import Thresholds

    stored = get_setting(session, "tiers") or {}
    return str(stored.get("currency") or Thresholds().currency)
