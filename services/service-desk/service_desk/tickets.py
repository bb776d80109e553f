"""Tickets over the database: open, see, edit, move through the lifecycle, merge, follow."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import SERVICE_AGENT, Principal, Scope
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import sla_revision
from .models import CustomerRef, Follower, GroupAgent, Message, OrderRef, StatusChange, Ticket
from .rules.ticket_status import TransitionRefused, check_transition
from .sla import refresh_figures


def visible(principal: Principal) -> Any:
    """Tickets the caller may see.

    Admins see every ticket; agents those of their groups, those not yet in a
    group, and those assigned to or opened by them; a manager sees tickets of customers
    their team owns; a rep those of customers they own, follow or opened.
    """
    if principal.scope is Scope.ALL:
        return true()
    if principal.has_role(SERVICE_AGENT):
        groups = select(GroupAgent.group_id).where(GroupAgent.user_id == principal.id)
        return or_(
            Ticket.group_id.is_(None),
            Ticket.group_id.in_(groups),
            Ticket.assignee_id == principal.id,
            Ticket.opened_by == principal.id,
        )
    owned = select(CustomerRef.id).where(
        CustomerRef.team_id == principal.team_id
        if principal.scope is Scope.TEAM
        else CustomerRef.owner_id == principal.id
    )
    followed = select(Follower.ticket_id).where(Follower.user_id == principal.id)
    return or_(
        Ticket.opened_by == principal.id,
        Ticket.customer_id.in_(owned),
        Ticket.id.in_(followed),
    )


def check_customer_visible(customer_id: uuid.UUID) -> None:
    """422 unless the customers service shows the caller this customer."""
    status, _ = current_app.extensions["crm.customers"].get(f"/api/v1/customers/{customer_id}")
    if status != 200:
        raise ValidationFailed.field("customer_id", "no such customer, or not one you may see")


def check_order(session: Session, customer_id: uuid.UUID, order_id: uuid.UUID | None) -> None:
    """422 unless the order (from order.created) belongs to the ticket's customer."""
    if order_id is None:
        return
    order = session.get(OrderRef, order_id)
    if order is None or order.customer_id != customer_id:
        raise ValidationFailed.field("order_id", "no such order of this customer")


def record_status(
    session: Session,
    ticket: Ticket,
    status: str,
    at: datetime,
    by: uuid.UUID | None,
    reason: str | None = None,
    *,
    refresh: bool = True,
) -> None:
    """Move ``ticket`` to ``status`` and keep the move in its history (and its
    running SLA figures up to date, unless the caller refreshes them later)."""
    ticket.status = status
    session.add(
        StatusChange(
            id=uuid.uuid4(), ticket_id=ticket.id, status=status, at=at, by=by, reason=reason
        )
    )
    if refresh:
        refresh_figures(session, ticket)


def open_ticket(
    session: Session,
    principal: Principal | None,
    data: dict[str, Any],
    *,
    channel: str = "api",
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket (status ``new``), the customer's owner following it."""
    now = now or utcnow()
    check_order(session, data["customer_id"], data.get("order_id"))
    ticket = Ticket(
        id=uuid.uuid4(),
        customer_id=data["customer_id"],
        subject=data["subject"].strip(),
        description=data.get("description"),
        status="new",
        type=data.get("type") or "question",
        priority=data.get("priority") or "normal",
        tier=data.get("tier"),
        category=data.get("category"),
        channel=data.get("channel") or channel,
        contact_id=data.get("contact_id"),
        requester_email=data.get("requester_email"),
        order_id=data.get("order_id"),
        product_id=data.get("product_id"),
        tags=sorted(set(data.get("tags") or [])),
        opened_by=principal.id if principal else None,
        opened_at=now,
    )
    session.add(ticket)
    session.flush()
    record_status(session, ticket, "new", now, ticket.opened_by, refresh=False)
    ref = session.get(CustomerRef, ticket.customer_id)
    if ref is not None and ref.owner_id is not None:
        session.add(Follower(ticket_id=ticket.id, user_id=ref.owner_id))
    from .routing import route

    route(session, ticket, now)
    # After routing: the group's calendar may be the one the clocks run on.
    refresh_figures(session, ticket)
    outbox.publish(
        session,
        "ticket.opened",
        {
            "ticket_id": ticket.id,
            "customer_id": ticket.customer_id,
            "subject": ticket.subject,
            "opened_at": now,
        },
        subject=ticket.id,
    )
    return ticket


def get(
    session: Session, principal: Principal, ticket_id: uuid.UUID, *, lock: bool = False
) -> Ticket:
    """A ticket the caller may see; 404 otherwise."""
    statement = sla_revision.with_revision(
        select(Ticket).where(Ticket.id == ticket_id, visible(principal))
    )
    if lock:
        statement = statement.with_for_update(of=Ticket)
    ticket = session.scalars(statement).first()
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Ticket], str | None]:
    """A page of tickets the caller may see, newest first (with the SLA settings'
    revision, so their clocks need no other query)."""
    statement = sla_revision.with_revision(select(Ticket).where(visible(principal)))
    for name in (
        "customer_id",
        "status",
        "priority",
        "assignee_id",
        "group_id",
        "channel",
        "category",
    ):
        if args.get(name):
            statement = statement.where(getattr(Ticket, name) == args[name])
    keys = [SortKey(Ticket.opened_at, "opened_at", True), SortKey(Ticket.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


EDITABLE = ("type", "priority", "tier", "category", "contact_id", "order_id", "product_id")


def update(
    session: Session, principal: Principal, ticket_id: uuid.UUID, data: dict[str, Any]
) -> Ticket:
    """Change a ticket's fields and tags (not its status: see :func:`change_status`)."""
    ticket = get(session, principal, ticket_id, lock=True)
    if ticket.status == "closed":
        raise Conflict("a closed ticket cannot be changed")
    if data.get("order_id"):
        check_order(session, ticket.customer_id, data["order_id"])
    for name in EDITABLE:
        if name in data:
            setattr(ticket, name, data[name])
    if "tags" in data:
        ticket.tags = sorted(set(data["tags"]))
    return ticket


def change_status(
    session: Session,
    principal: Principal,
    ticket_id: uuid.UUID,
    status: str,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket through its lifecycle; resolving sends the survey, closing reports."""
    from .satisfaction import publish_closed, send_survey

    settings = current_app.extensions["crm"].settings.extra
    now = now or utcnow()
    ticket = get(session, principal, ticket_id, lock=True)
    try:
        check_transition(
            ticket.status,
            status,
            resolved_at=ticket.resolved_at,
            now=now,
            reopen_days=settings["reopen_days"],
        )
    except TransitionRefused as exc:
        raise Conflict(str(exc)) from exc
    record_status(session, ticket, status, now, principal.id, reason)
    if status == "resolved":
        ticket.resolved_at = now
        send_survey(session, ticket, now)
    elif status == "closed":
        ticket.closed_at, ticket.closed_by = now, principal.id
        publish_closed(session, ticket)
    return ticket


def close(
    session: Session,
    principal: Principal,
    ticket_id: uuid.UUID,
    satisfaction: int | None,
    now: datetime | None = None,
) -> Ticket:
    """Close a ticket, with a rating the customer gave an agent (by phone) if known."""
    now = now or utcnow()
    ticket = get(session, principal, ticket_id, lock=True)
    if ticket.status == "closed":
        raise Conflict("ticket is already closed")
    if satisfaction is not None:
        from .satisfaction import record_rating

        record_rating(session, principal, ticket, satisfaction, None, now)
    return change_status(session, principal, ticket_id, "closed", now=now)


def merge(
    session: Session, principal: Principal, ticket_id: uuid.UUID, into_id: uuid.UUID
) -> Ticket:
    """Close ``ticket_id`` as a duplicate of ``into_id``, carrying its thread over."""
    if ticket_id == into_id:
        raise ValidationFailed.field("into_id", "a ticket cannot be merged into itself")
    source = get(session, principal, ticket_id, lock=True)
    try:
        target = get(session, principal, into_id, lock=True)
    except NotFound as exc:
        raise ValidationFailed.field("into_id", "no such ticket") from exc
    if source.customer_id != target.customer_id:
        raise ValidationFailed.field("into_id", "only tickets of the same customer can be merged")
    if "closed" in (source.status, target.status):
        raise Conflict("closed tickets cannot be merged")
    for message in session.scalars(select(Message).where(Message.ticket_id == source.id)):
        message.ticket_id = target.id
    session.add(
        Message(
            id=uuid.uuid4(),
            ticket_id=target.id,
            visibility="internal",
            author_kind="agent",
            author_id=principal.id,
            body=f"Merged ticket {source.id}: {source.subject}",
            attachments=[],
            created_at=utcnow(),
        )
    )
    target.tags = sorted(set(target.tags) | set(source.tags))
    refresh_figures(session, target)
    source.merged_into_id = target.id
    change_status(session, principal, source.id, "closed", reason=f"merged into {target.id}")
    return target


def follow(session: Session, principal: Principal, ticket_id: uuid.UUID, on: bool) -> Ticket:
    """Start or stop following a ticket the caller can see."""
    ticket = get(session, principal, ticket_id)
    existing = session.get(Follower, (ticket.id, principal.id))
    if on and existing is None:
        session.add(Follower(ticket_id=ticket.id, user_id=principal.id))
    elif not on and existing is not None:
        session.delete(existing)
    return ticket


def followers_of(session: Session, ticket_id: uuid.UUID) -> list[uuid.UUID]:
    """Who follows a ticket."""
    return list(session.scalars(select(Follower.user_id).where(Follower.ticket_id == ticket_id)))


def history_of(session: Session, ticket_id: uuid.UUID) -> list[StatusChange]:
    """A ticket's status changes, oldest first."""
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.ticket_id == ticket_id)
            .order_by(StatusChange.at, StatusChange.id)
        )
    )


def remember_owner(
    session: Session,
    customer_id: uuid.UUID,
    owner_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    as_of: datetime,
    name: str | None = None,
) -> None:
    """Update the copy of a customer's owner, ignoring news older than what is known."""
    ref = session.get(CustomerRef, customer_id)
    if ref is None:
        session.add(
            CustomerRef(id=customer_id, name=name, owner_id=owner_id, team_id=team_id, as_of=as_of)
        )
        return
    if as_of < ref.as_of:
        return
    ref.owner_id, ref.team_id, ref.as_of = owner_id, team_id, as_of
    if name and not ref.erased:
        ref.name = name
