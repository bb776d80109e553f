"""Serialising the checks that count rows: a transaction-wide lock per key."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

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
