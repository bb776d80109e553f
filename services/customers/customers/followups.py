"""Follow-ups: logging one (restarting the no-follow-up clock, planning the next), finding them.

The rules a follow-up obeys are in :mod:`customers.rules.followups`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import UTCDateTime, utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, deadlines
from .conditional import rows_matched
from .models import Contact, Customer, FollowUp, Task
from .rules import followups as rules


def record_followup(
    session: Session,
    principal: Principal,
    customer: Customer,
    data: dict[str, Any],
    *,
    reminder_minutes: int,
    visit_id: uuid.UUID | None = None,
) -> FollowUp:
    """Log a follow-up, restart the customer's no-follow-up clock, plan the next one.

    The customer's update names the owner the caller saw: when the customer
    was recycled meanwhile the follow-up is refused (409) rather than logged
    against a customer that is no longer theirs.
    """
    now = utcnow()
    occurred = data.get("occurred_at") or now
    next_at = data.get("next_followup_at")
    rules.check_times(occurred, next_at, now)
    contact_id = data.get("contact_id")
    if contact_id is not None:
        owner = session.scalar(select(Contact.customer_id).where(Contact.id == contact_id))
        if owner != customer.id:
            raise ValidationFailed.field("contact_id", "is not a contact of this customer")
    stamp = literal(occurred, UTCDateTime())
    values: dict[str, Any] = {
        # rules.latest, as one atomic update: the latest wins even when logged late.
        "last_followup_at": case(
            (Customer.last_followup_at.is_(None), stamp),
            (Customer.last_followup_at < stamp, stamp),
            else_=Customer.last_followup_at,
        ),
        "updated_at": now,
        "version": Customer.version + 1,
    }
    if next_at is not None:
        values["next_followup_at"] = next_at
    touched = rows_matched(
        session,
        update(Customer)
        .where(Customer.id == customer.id, Customer.owner_id == customer.owner_id)
        .where(Customer.owner_id.is_not(None))
        .values(**values)
        .execution_options(synchronize_session=False),
    )
    if touched != 1:
        raise Conflict("the customer went back to the pool or changed owner meanwhile")
    followup = FollowUp(
        id=uuid.uuid4(),
        customer_id=customer.id,
        contact_id=contact_id,
        kind=data["kind"],
        content=data["content"],
        outcome=data.get("outcome"),
        occurred_at=occurred,
        next_followup_at=next_at,
        author_id=principal.id,
        team_id=principal.team_id,
        visit_id=visit_id,
        created_at=now,
    )
    session.add(followup)
    # A logged follow-up fulfils the author's open planned follow-ups of this customer
    # (a new one is planned below when the rep names the next date).
    session.execute(
        update(Task)
        .where(
            Task.customer_id == customer.id,
            Task.owner_id == principal.id,
            Task.kind == "followup",
            Task.completed_at.is_(None),
        )
        .values(completed_at=now, updated_at=now, sequence=Task.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    if next_at is not None:
        session.add(
            Task(
                id=uuid.uuid4(),
                owner_id=principal.id,
                team_id=principal.team_id,
                customer_id=customer.id,
                kind="followup",
                title=rules.planned_title(customer.name),
                notes=data.get("outcome"),
                priority="normal",
                due_at=next_at,
                duration_minutes=rules.PLANNED_MINUTES,
                remind_at=rules.reminder_at(next_at, reminder_minutes),
                followup_id=followup.id,
                created_by=principal.id,
            )
        )
    session.flush()
    outbox.publish(
        session,
        "followup.logged",
        {
            "followup_id": followup.id,
            "customer_id": customer.id,
            "contact_id": contact_id,
            "kind": followup.kind,
            "outcome": followup.outcome,
            "author_id": principal.id,
            "owner_id": customer.owner_id,
            "team_id": customer.team_id,
            "occurred_at": occurred,
            "next_followup_at": next_at,
        },
        subject=customer.id,
    )
    session.refresh(customer)
    deadlines.refresh(session, customer, now)  # the follow-up moves the deadline
    return followup


def log_followup(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    data: dict[str, Any],
    *,
    reminder_minutes: int,
) -> FollowUp:
    """Log a follow-up with a customer the caller works."""
    customer, _ = access.load_for_work(session, principal, customer_id)
    return record_followup(session, principal, customer, data, reminder_minutes=reminder_minutes)


def _followup_scope(session: Session, principal: Principal) -> Any:
    r = access.reach(session, principal)
    visible = select(Customer.id).where(access.visible_clause(r))
    return or_(FollowUp.author_id == principal.id, FollowUp.customer_id.in_(visible))


def list_followups(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[FollowUp], str | None]:
    """Follow-ups the caller may see (theirs, and those of customers they see), newest first."""
    statement = select(FollowUp).where(_followup_scope(session, principal))
    if args.get("customer_id"):
        statement = statement.where(FollowUp.customer_id == args["customer_id"])
    if args.get("author_id"):
        statement = statement.where(FollowUp.author_id == args["author_id"])
    if args.get("kind"):
        statement = statement.where(FollowUp.kind == args["kind"])
    if args.get("from_"):
        statement = statement.where(FollowUp.occurred_at >= args["from_"])
    if args.get("to"):
        statement = statement.where(FollowUp.occurred_at < args["to"])
    keys = [SortKey(FollowUp.occurred_at, "occurred_at", True), SortKey(FollowUp.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def get_followup(session: Session, principal: Principal, followup_id: uuid.UUID) -> FollowUp:
    """One follow-up the caller may see."""
    found = session.scalar(
        select(FollowUp).where(FollowUp.id == followup_id, _followup_scope(session, principal))
    )
    if found is None:
        raise NotFound("no such follow-up")
    return found
