"""Run-time settings the admins change through the API (kept in this service's settings table)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from .models import Setting
from .rules.tiers import Thresholds


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


def tier_currency(session: Session) -> str:
    """The currency customer values and tier thresholds are counted in."""
    stored = get_setting(session, "tiers") or {}
    return str(stored.get("currency") or Thresholds().currency)
