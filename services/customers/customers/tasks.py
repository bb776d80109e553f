"""Tasks: planning, changing and completing them, and the reminders the worker publishes.

The task rules (when a reminder falls) are in :mod:`customers.rules.tasks`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import ADMIN, MANAGER, Principal, can_see, scope_clause
from crm_shared.db import Database, utcnow
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, lookups
from .conditional import rows_matched
from .models import Customer, Task
from .rules.tasks import remind_at


def _task_scope(principal: Principal) -> Any:
    return scope_clause(principal, Task.owner_id, Task.team_id)


def _assignee(
    session: Session, principal: Principal, owner_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    if owner_id is None or owner_id == principal.id:
        return principal.id, principal.team_id
    if not principal.has_role(MANAGER, ADMIN):
        raise ValidationFailed.field("owner_id", "only managers and admins plan for others")
    user = lookups.user(session, owner_id)
    if user is None or not user.active:
        raise ValidationFailed.field("owner_id", "is not a known active user")
    if not can_see(principal, owner_id, user.team_id):
        raise ValidationFailed.field("owner_id", "is not in your team")
    return owner_id, user.team_id


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
        remind_at=remind_at(data, data["due_at"]),
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
        task.remind_at = remind_at(data, task.due_at)
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
        marked = rows_matched(
            session,
            update(Task)
            .where(and_(Task.id == task.id, Task.reminded_at.is_(None)))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False),
        )
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
