"""The daily reminder job: ``payment.due_soon`` before due, then the escalation ladder.

Each reminder and each rung of the ladder is published once per installment
(``reminders_sent`` has a unique row per installment and step, written in the
same transaction as the event).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.db import Database, utcnow
from crm_shared.directory import Directory, SqlDirectory
from crm_shared.errors import ValidationFailed
from crm_shared.schemas import format_amount

from .models import EscalationStep, Installment, Order, ReminderSent
from .rules.installments import days_overdue, installment_status

DEFAULT_LADDER = (
    (1, "owner", "逾期提醒负责人"),
    (7, "manager", "升级至主管"),
    (15, "finance", "升级至财务"),
)
NOTIFY = ("owner", "manager", "finance")


def ladder(session: Session) -> list[dict[str, Any]]:
    """The configured ladder (the default one when admins set none), by day."""
    rows = list(session.scalars(select(EscalationStep).order_by(EscalationStep.days_after)))
    if not rows:
        return [{"days_after": d, "notify": n, "name": name} for d, n, name in DEFAULT_LADDER]
    return [{"days_after": r.days_after, "notify": r.notify, "name": r.name} for r in rows]


def set_ladder(session: Session, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace the ladder (admins); one rung per day."""
    days = [s["days_after"] for s in steps]
    if len(set(days)) != len(days):
        raise ValidationFailed.field("items", "each days_after may appear once")
    session.execute(delete(EscalationStep))
    for step in steps:
        session.add(
            EscalationStep(days_after=step["days_after"], notify=step["notify"], name=step["name"])
        )
    session.flush()
    return ladder(session)


def _recipients(directory: Directory, order: Order, notify: str) -> list[uuid.UUID]:
    if notify == "owner":
        return [order.owner_id]
    if notify == "manager":
        manager = directory.manager_of(order.owner_id)
        return [manager] if manager else directory.users_with_role("admin")
    return directory.users_with_role("finance") or directory.users_with_role("admin")


def _once(session: Session, installment_id: uuid.UUID, step: str) -> bool:
    if session.scalar(
        select(ReminderSent.id).where(
            ReminderSent.installment_id == installment_id, ReminderSent.step == step
        )
    ):
        return False
    session.add(
        ReminderSent(id=uuid.uuid4(), installment_id=installment_id, step=step, sent_at=utcnow())
    )
    return True


def run_reminders(session: Session, today: date) -> dict[str, int]:
    """Publish the reminders and escalations due on ``today``; returns how many of each."""
    steps = ladder(session)
    directory = SqlDirectory(session)
    counts = {"due_soon": 0, "overdue": 0}
    rows = session.execute(
        select(Installment, Order)
        .join(Order, Order.id == Installment.order_id)
        .where(
            Installment.void.is_(False),
            Installment.received < Installment.amount,
            Order.fulfilment != "cancelled",
        )
    ).all()
    now = utcnow()
    for inst, order in rows:
        status = installment_status(inst.amount, inst.received, inst.due_on, today)
        common = {
            "installment_id": inst.id,
            "order_id": order.id,
            "customer_id": order.customer_id,
            "owner_id": order.owner_id,
            "team_id": order.team_id,
            "amount": format_amount(inst.amount, order.currency),
            "outstanding": format_amount(inst.amount - inst.received, order.currency),
            "currency": order.currency,
            "due_on": inst.due_on.isoformat(),
        }
        soon = status in ("pending", "partial") and (inst.due_on - today).days <= inst.remind_days
        if soon and _once(session, inst.id, "due_soon"):
            outbox.publish(
                session,
                "payment.due_soon",
                {**common, "days_left": (inst.due_on - today).days, "reminded_at": now},
                subject=inst.id,
            )
            counts["due_soon"] += 1
        if status != "overdue":
            continue
        late = days_overdue(inst.due_on, today)
        for step in steps:
            if step["days_after"] > late or not _once(
                session, inst.id, f"overdue:{step['days_after']}"
            ):
                continue
            outbox.publish(
                session,
                "payment.overdue",
                {
                    **common,
                    "days_overdue": late,
                    "step": step["days_after"],
                    "step_name": step["name"],
                    "notify": step["notify"],
                    "recipient_ids": [
                        str(r) for r in _recipients(directory, order, step["notify"])
                    ],
                    "escalated_at": now,
                },
                subject=inst.id,
            )
            counts["overdue"] += 1
    return counts


def reminders_job(db: Database, _settings: Any) -> dict[str, int]:
    """The daily job."""
    with db.session() as session:
        counts = run_reminders(session, utcnow().date())
        session.commit()
    return counts


def sent_for(session: Session, principal: Any, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """Reminders and escalations sent for an order's installments, oldest first."""
    from . import ordering

    order = ordering.get(session, principal, order_id)
    rows = session.scalars(
        select(ReminderSent)
        .join(Installment, Installment.id == ReminderSent.installment_id)
        .where(Installment.order_id == order.id)
        .order_by(ReminderSent.sent_at, ReminderSent.step)
    )
    return [
        {"installment_id": r.installment_id, "step": r.step, "sent_at": r.sent_at} for r in rows
    ]
