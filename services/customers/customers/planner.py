"""Calendar and tasks: planned follow-ups and tasks, the calendar views, the iCalendar
feed, and the reminders the worker publishes."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import ADMIN, MANAGER, Principal, can_see, scope_clause
from crm_shared.db import Database, utcnow
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, ics, store
from .models import CalendarFeed, Customer, Task, Visit

log = logging.getLogger(__name__)

MAX_RANGE = timedelta(days=62)
FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=365)


# ---------------------------------------------------------------- tasks


def _task_scope(principal: Principal) -> Any:
    return scope_clause(principal, Task.owner_id, Task.team_id)


def _assignee(
    session: Session, principal: Principal, owner_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    if owner_id is None or owner_id == principal.id:
        return principal.id, principal.team_id
    if not principal.has_role(MANAGER, ADMIN):
        raise ValidationFailed.field("owner_id", "only managers and admins plan for others")
    user = store.user(session, owner_id)
    if user is None or not user.active:
        raise ValidationFailed.field("owner_id", "is not a known active user")
    if not can_see(principal, owner_id, user.team_id):
        raise ValidationFailed.field("owner_id", "is not in your team")
    return owner_id, user.team_id


def _remind_at(data: dict[str, Any], due_at: datetime) -> datetime | None:
    if data.get("remind_at") is not None:
        if data["remind_at"] > due_at:
            raise ValidationFailed.field("remind_at", "must not be after due_at")
        return data["remind_at"]
    if data.get("remind_minutes_before") is not None:
        return due_at - timedelta(minutes=data["remind_minutes_before"])
    return None


def create_task(session: Session, principal: Principal, data: dict[str, Any]) -> Task:
    """A task (or planned follow-up) on the caller's calendar, or a team member's."""
    owner_id, team_id = _assignee(session, principal, data.get("owner_id"))
    if data.get("customer_id") is not None:
        try:
            access.load(session, principal, data["customer_id"])
        except NotFound:
            raise ValidationFailed.field("customer_id", "no such customer") from None
    task = Task(
        id=uuid.uuid4(),
        owner_id=owner_id,
        team_id=team_id,
        customer_id=data.get("customer_id"),
        kind=data.get("kind", "task"),
        title=data["title"].strip(),
        notes=data.get("notes"),
        priority=data.get("priority", "normal"),
        due_at=data["due_at"],
        duration_minutes=data.get("duration_minutes", 30),
        remind_at=_remind_at(data, data["due_at"]),
        created_by=principal.id,
    )
    session.add(task)
    session.flush()
    return task


def get_task(session: Session, principal: Principal, task_id: uuid.UUID) -> Task:
    """A task the caller may see (theirs; their team's for managers; all for admins)."""
    task = session.scalar(select(Task).where(Task.id == task_id, _task_scope(principal)))
    if task is None:
        raise NotFound("no such task")
    return task


def list_tasks(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Task], str | None]:
    """Tasks the caller may see, soonest due first."""
    statement = select(Task).where(_task_scope(principal))
    for name in ("owner_id", "customer_id", "kind", "priority"):
        if args.get(name):
            statement = statement.where(getattr(Task, name) == args[name])
    status = args.get("status", "open")
    if status == "open":
        statement = statement.where(Task.completed_at.is_(None))
    elif status == "done":
        statement = statement.where(Task.completed_at.is_not(None))
    if args.get("due_from"):
        statement = statement.where(Task.due_at >= args["due_from"])
    if args.get("due_to"):
        statement = statement.where(Task.due_at < args["due_to"])
    keys = [SortKey(Task.due_at, "due_at"), SortKey(Task.id, "id")]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def update_task(
    session: Session, principal: Principal, task_id: uuid.UUID, data: dict[str, Any]
) -> Task:
    """Change a task; a new due time or reminder re-arms the reminder."""
    task = get_task(session, principal, task_id)
    if "owner_id" in data:
        task.owner_id, task.team_id = _assignee(session, principal, data.pop("owner_id"))
    if "customer_id" in data and data["customer_id"] is not None:
        try:
            access.load(session, principal, data["customer_id"])
        except NotFound:
            raise ValidationFailed.field("customer_id", "no such customer") from None
    reminder_fields = {"due_at", "remind_at", "remind_minutes_before"} & set(data)
    old_due = task.due_at
    for name in ("title", "notes", "priority", "due_at", "duration_minutes", "customer_id"):
        if name in data:
            setattr(task, name, data[name].strip() if name == "title" else data[name])
    if "remind_at" in data or "remind_minutes_before" in data:
        task.remind_at = _remind_at(data, task.due_at)
    elif "due_at" in data and task.remind_at is not None:
        # Moving the task keeps the reminder's lead time.
        task.remind_at = task.remind_at + (task.due_at - old_due)
    if reminder_fields:
        task.reminded_at = None
    task.sequence += 1
    task.updated_at = utcnow()
    session.flush()
    return task


def complete_task(session: Session, principal: Principal, task_id: uuid.UUID, done: bool) -> Task:
    """Mark a task done (or open again)."""
    task = get_task(session, principal, task_id)
    now = utcnow()
    task.completed_at = (task.completed_at or now) if done else None
    task.sequence += 1
    task.updated_at = now
    session.flush()
    return task


def delete_task(session: Session, principal: Principal, task_id: uuid.UUID) -> None:
    """Remove a task."""
    session.delete(get_task(session, principal, task_id))


# ---------------------------------------------------------------- calendar


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
    if end <= start:
        raise ValidationFailed.field("to", "must be after from")
    if end - start > MAX_RANGE:
        raise ValidationFailed.field("to", "the range may be at most 62 days")
    user_id = user_id or principal.id
    if user_id != principal.id:
        user = store.user(session, user_id)
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


# ---------------------------------------------------------------- iCalendar feed


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
    user = store.user(session, feed.user_id)
    name = f"CRM: {user.username}" if user else "CRM"
    return ics.build(name, _items(session, feed.user_id, now - FEED_PAST, now + FEED_FUTURE), now)


# ---------------------------------------------------------------- reminders


def publish_due_reminders(session: Session, now: datetime, limit: int = 500) -> int:
    """Publish ``task.reminder_due`` for each open task whose reminder time has come, once."""
    due = session.execute(
        select(Task, Customer.name)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(
            Task.remind_at <= now,
            Task.reminded_at.is_(None),
            Task.completed_at.is_(None),
        )
        .order_by(Task.remind_at, Task.id)
        .limit(limit)
    ).all()
    sent = 0
    for task, customer_name in due:
        # Marking first, conditionally, means two runs never both announce it.
        marked = session.execute(
            update(Task)
            .where(and_(Task.id == task.id, Task.reminded_at.is_(None)))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if marked != 1:
            continue
        outbox.publish(
            session,
            "task.reminder_due",
            {
                "task_id": task.id,
                "owner_id": task.owner_id,
                "customer_id": task.customer_id,
                "customer_name": customer_name,
                "title": task.title,
                "kind": task.kind,
                "priority": task.priority,
                "due_at": task.due_at,
                "remind_at": task.remind_at,
            },
            subject=task.id,
        )
        sent += 1
    return sent


def reminders_job(db: Database, _settings: Any) -> int:
    """The worker's reminder run: batches until nothing is due."""
    total = 0
    while True:
        with db.transaction() as session:
            sent = publish_due_reminders(session, utcnow())
        total += sent
        if sent < 500:
            return total


def period(view: str, day: date | None, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC bounds of the day, week (Monday first) or month holding ``day`` in ``tz_name``."""
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field("tz", "is not a known IANA time zone") from None
    day = day or utcnow().astimezone(zone).date()
    if view == "day":
        first, last = day, day + timedelta(days=1)
    elif view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(), zone).astimezone(UTC),
        datetime.combine(last, time(), zone).astimezone(UTC),
    )
