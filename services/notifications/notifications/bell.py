"""The in-app channel: each user's list (the bell), unread counts, and the stream's entries."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.errors import NotFound
from crm_shared.pagination import SortKey, paginate

from .models import Notification, StreamEntry
from .rules.catalog import label
from .rules.delivery import Rendered

LIST_KEYS = (
    SortKey(Notification.unread, "unread", descending=True),
    SortKey(Notification.created_at, "created_at", descending=True),
    SortKey(Notification.id, "id", descending=True),
)


def _fold_title(event_type: str, count: int, language: str) -> str:
    name = label(event_type, language)
    return f"{count} 条{name}" if language == "zh-CN" else f"{name} ({count})"


def add(
    session: Session,
    user_id: uuid.UUID,
    event_id: str,
    event_type: str,
    rendered: Rendered,
    link: str | None,
    *,
    language: str,
    fold_seconds: float,
    now: datetime | None = None,
) -> Notification:
    """Put an event in the user's list; within ``fold_seconds`` of an unread entry of the
    same type it folds into that entry (a flood of 10,000 is one entry, counted)."""
    now = now or utcnow()
    # The entry a flood folds into, remembered for the transaction (a batch).
    folding = session.info.setdefault("notifications_fold", {})
    entry = folding.get((user_id, event_type)) if fold_seconds > 0 else None
    if entry is not None and (
        entry.unread != 1 or entry.created_at < now - timedelta(seconds=fold_seconds)
    ):
        entry = None
    if entry is None and fold_seconds > 0:
        entry = session.scalar(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.event_type == event_type,
                Notification.created_at >= now - timedelta(seconds=fold_seconds),
                Notification.unread == 1,
            )
            .order_by(Notification.created_at.desc())
            .limit(1)
        )
    if entry is not None:
        entry.count += 1
        entry.title = _fold_title(event_type, entry.count, language)
        entry.body = rendered.subject
        entry.link = None
        entry.event_id = event_id
        entry.updated_at = now
    else:
        entry = Notification(
            id=uuid.uuid4(),
            user_id=user_id,
            event_id=event_id,
            event_type=event_type,
            title=rendered.subject,
            body=rendered.text,
            link=link,
            count=1,
            unread=1,
            created_at=now,
            updated_at=now,
        )
        session.add(entry)
    if fold_seconds > 0:
        folding[(user_id, event_type)] = entry
    session.add(StreamEntry(user_id=user_id, notification_id=entry.id, at=now))
    return entry


def page(
    session: Session, user_id: uuid.UUID, *, limit: int, cursor: str | None, unread_only: bool
) -> tuple[list[Notification], str | None]:
    """One page of the user's own list, unread first, newest first."""
    statement = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        statement = statement.where(Notification.unread == 1)
    return paginate(session, statement, LIST_KEYS, limit=limit, cursor=cursor)


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    """How many unread entries the user has (a folded entry counts once)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.unread == 1)
        )
        or 0
    )


def mark_read(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """Mark one of the user's own entries read; another's is not found (404)."""
    entry = session.get(Notification, notification_id)
    if entry is None or entry.user_id != user_id:
        raise NotFound("no such notification")
    if entry.unread:
        entry.unread = 0
        entry.read_at = utcnow()
        session.flush()
        session.add(StreamEntry(user_id=user_id, notification_id=entry.id, at=entry.read_at))
    return entry


def mark_all_read(session: Session, user_id: uuid.UUID) -> int:
    """Mark every unread entry of the user read; how many were."""
    result: Any = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.unread == 1)
        .values(unread=0, read_at=utcnow())
    )
    return int(result.rowcount or 0)


def changes_after(
    session: Session, user_id: uuid.UUID, after: int, limit: int = 100
) -> list[tuple[int, Notification]]:
    """The user's entries changed after stream position ``after``, oldest change first."""
    rows = session.execute(
        select(StreamEntry.seq, Notification)
        .join(Notification, Notification.id == StreamEntry.notification_id)
        .where(StreamEntry.user_id == user_id, StreamEntry.seq > after)
        .order_by(StreamEntry.seq)
        .limit(limit)
    ).all()
    return [(int(seq), entry) for seq, entry in rows]


def latest_position(session: Session, user_id: uuid.UUID) -> int:
    """The user's newest stream position (0 when none)."""
    return int(
        session.scalar(select(func.max(StreamEntry.seq)).where(StreamEntry.user_id == user_id)) or 0
    )
