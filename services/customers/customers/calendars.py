"""The calendar: a rep's tasks, planned follow-ups and visits by period, and the iCalendar feed.

The calendar rules (periods, ranges) are in :mod:`customers.rules.calendars`;
the feed's format in :mod:`customers.rules.ics`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, can_see
from crm_shared.db import utcnow
from crm_shared.errors import NotFound

from . import lookups
from .models import CalendarFeed, Customer, Task, Visit
from .rules import calendars as rules
from .rules import ics


def _items(
    session: Session, user_id: uuid.UUID, start: datetime, end: datetime
) -> list[ics.CalendarItem]:
    rows = session.execute(
        select(Task, Customer.name)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(Task.owner_id == user_id, Task.due_at >= start, Task.due_at < end)
        .order_by(Task.due_at, Task.id)
    ).all()
    items = [
        ics.CalendarItem(
            id=task.id,
            type=task.kind,
            title=task.title if not name or name in task.title else f"{task.title} ({name})",
            start=task.due_at,
            end=task.due_at + timedelta(minutes=task.duration_minutes),
            description=task.notes,
            priority=task.priority,
            remind_at=task.remind_at,
            completed_at=task.completed_at,
            updated_at=task.updated_at,
            sequence=task.sequence,
        )
        for task, name in rows
    ]
    visits = session.execute(
        select(Visit, Customer.name, Customer.address_line, Customer.city)
        .join(Customer, Customer.id == Visit.customer_id)
        .where(Visit.rep_id == user_id, Visit.check_in_at >= start, Visit.check_in_at < end)
        .order_by(Visit.check_in_at, Visit.id)
    ).all()
    for visit, name, address, city in visits:
        items.append(
            ics.CalendarItem(
                id=visit.id,
                type="visit",
                title=f"Visit: {name}",
                start=visit.check_in_at,
                end=visit.check_out_at or visit.check_in_at + timedelta(minutes=30),
                description=visit.summary or visit.purpose,
                completed_at=visit.check_out_at,
                updated_at=visit.check_out_at or visit.check_in_at,
                location=", ".join(p for p in (address, city) if p) or None,
            )
        )
    items.sort(key=lambda item: (item.start, str(item.id)))
    return items


def calendar(
    session: Session,
    principal: Principal,
    start: datetime,
    end: datetime,
    user_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The caller's (or a team member's) tasks, planned follow-ups and visits in [start, end)."""
    rules.check_range(start, end)
    user_id = user_id or principal.id
    if user_id != principal.id:
        user = lookups.user(session, user_id)
        if user is None or not can_see(principal, user_id, user.team_id):
            raise NotFound("no such user's calendar")
    items = _items(session, user_id, start, end)
    return {
        "user_id": user_id,
        "from_": start,
        "to": end,
        "items": [
            {
                "id": item.id,
                "type": item.type,
                "title": item.title,
                "start": item.start,
                "end": item.end,
                "priority": item.priority,
                "remind_at": item.remind_at,
                "completed": item.completed_at is not None,
                "location": item.location,
            }
            for item in items
        ],
    }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(session: Session, principal: Principal) -> str:
    """A new secret feed token for the caller (the old address stops working)."""
    token = secrets.token_urlsafe(32)
    feed = session.get(CalendarFeed, principal.id)
    if feed is None:
        session.add(
            CalendarFeed(user_id=principal.id, token_hash=_hash(token), created_at=utcnow())
        )
    else:
        feed.token_hash = _hash(token)
        feed.created_at = utcnow()
    session.flush()
    return token


def feed_status(session: Session, principal: Principal) -> CalendarFeed:
    """Whether the caller has a feed (the token itself is never shown again)."""
    feed = session.get(CalendarFeed, principal.id)
    if feed is None:
        raise NotFound("no calendar feed; create one")
    return feed


def revoke_feed(session: Session, principal: Principal) -> None:
    """Stop the caller's feed address from working."""
    feed = session.get(CalendarFeed, principal.id)
    if feed is None:
        raise NotFound("no calendar feed")
    session.delete(feed)


def feed_calendar(session: Session, token: str) -> bytes:
    """The iCalendar document behind a feed token; NotFound for an unknown or revoked one."""
    if not token or len(token) > 100:
        raise NotFound("no such calendar")
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        raise NotFound("no such calendar")
    now = utcnow()
    user = lookups.user(session, feed.user_id)
    name = f"CRM: {user.username}" if user else "CRM"
    return ics.build(name, _items(session, feed.user_id, *rules.feed_window(now)), now)
