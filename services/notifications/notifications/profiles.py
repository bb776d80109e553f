"""A recipient's choices and addresses, read and changed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.errors import ValidationFailed

from .channels import channel_names
from .models import Contact, Preference
from .rules.catalog import EMAIL, known_event_types
from .rules.preferences import Choices, preference_errors

FIELDS = ("language", "timezone", "quiet_start", "quiet_end", "digest", "digest_hour")


def choices(session: Session, user_id: uuid.UUID, settings: dict[str, Any]) -> Choices:
    """The user's choices, the service's defaults where they chose nothing."""
    row = session.get(Preference, user_id)
    language = settings.get("default_language", "zh-CN")
    timezone = settings.get("default_timezone", "Asia/Shanghai")
    if row is None:
        return Choices(language=language, timezone=timezone)
    return Choices(
        language=row.language or language,
        timezone=row.timezone or timezone,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        digest=bool(row.digest),
        digest_hour=row.digest_hour if row.digest_hour is not None else 9,
        channels=row.channels or {},
    )


def address(session: Session, user_id: uuid.UUID, channel: str) -> str | None:
    """Where the user is reached on ``channel``: their own address, else the account's email."""
    row = session.get(Preference, user_id)
    own = (row.addresses or {}).get(channel) if row is not None else None
    if own:
        return str(own)
    if channel == EMAIL:
        contact = session.get(Contact, user_id)
        return contact.email if contact is not None and contact.email else None
    return None


def view(session: Session, user_id: uuid.UUID, settings: dict[str, Any]) -> dict[str, Any]:
    """The user's preferences as they read them, defaults filled in."""
    mine = choices(session, user_id, settings)
    row = session.get(Preference, user_id)
    contact = session.get(Contact, user_id)
    return {
        "language": mine.language,
        "timezone": mine.timezone,
        "quiet_start": mine.quiet_start,
        "quiet_end": mine.quiet_end,
        "digest": mine.digest,
        "digest_hour": mine.digest_hour,
        "channels": dict(mine.channels),
        "addresses": dict(row.addresses or {}) if row is not None else {},
        "account_email": contact.email if contact is not None else None,
        "event_types": list(known_event_types()),
        "available_channels": list(channel_names()),
    }


def update(
    session: Session, user_id: uuid.UUID, data: dict[str, Any], settings: dict[str, Any]
) -> dict[str, Any]:
    """Change the user's own preferences; a field error (422) changes nothing."""
    row = session.get(Preference, user_id)
    merged: dict[str, Any] = {
        "quiet_start": row.quiet_start if row else None,
        "quiet_end": row.quiet_end if row else None,
        **data,
    }
    errors = preference_errors(merged, known_event_types(), channel_names())
    if errors:
        field, message = next(iter(sorted(errors.items())))
        raise ValidationFailed(
            f"{field} {message}",
            errors=[{"field": f, "message": m} for f, m in sorted(errors.items())],
        )
    if row is None:
        row = Preference(user_id=user_id, channels={}, addresses={}, digest=False, digest_hour=9)
        session.add(row)
    for name in FIELDS:
        if name in data:
            setattr(row, name, data[name])
    if "channels" in data:
        # Per event type, the switches given replace that type's earlier ones.
        row.channels = {**(row.channels or {}), **data["channels"]}
    if "addresses" in data:
        kept = {**(row.addresses or {}), **data["addresses"]}
        row.addresses = {k: v for k, v in kept.items() if v}
    row.updated_at = utcnow()
    session.flush()
    return view(session, user_id, settings)
