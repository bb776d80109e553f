"""What the service desk API does, over the database."""

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
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from .lifecycle import check_can_close
from .models import CustomerRef, Ticket


def _visible(principal: Principal) -> Any:
    # Agents work every ticket; sellers see tickets of the customers they
    # (or, for managers, their team) own, and those they opened.
    if principal.has_role(SERVICE_AGENT) or principal.scope is Scope.ALL:
        return true()
    owned = select(CustomerRef.id).where(
        CustomerRef.team_id == principal.team_id
        if principal.scope is Scope.TEAM
        else CustomerRef.owner_id == principal.id
    )
    return or_(Ticket.opened_by == principal.id, Ticket.customer_id.in_(owned))


def open_ticket(session: Session, principal: Principal, data: dict[str, Any]) -> Ticket:
    """Open a ticket for a customer the caller can see."""
    status, _ = current_app.extensions["crm.customers"].get(
        f"/api/v1/customers/{data['customer_id']}"
    )
    if status != 200:
        raise ValidationFailed.field("customer_id", "no such customer, or not one you may see")
    now = utcnow()
    ticket = Ticket(
        id=uuid.uuid4(),
        customer_id=data["customer_id"],
        subject=data["subject"].strip(),
        description=data.get("description"),
        status="open",
        opened_by=principal.id,
        opened_at=now,
    )
    session.add(ticket)
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
    statement = select(Ticket).where(Ticket.id == ticket_id, _visible(principal))
    if lock:
        statement = statement.with_for_update(of=Ticket)
    ticket = session.scalars(statement).first()
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Ticket], str | None]:
    """A page of tickets the caller may see, newest first."""
    statement = select(Ticket).where(_visible(principal))
    if args.get("customer_id"):
        statement = statement.where(Ticket.customer_id == args["customer_id"])
    if args.get("status"):
        statement = statement.where(Ticket.status == args["status"])
    keys = [SortKey(Ticket.opened_at, "opened_at", True), SortKey(Ticket.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def close(
    session: Session, principal: Principal, ticket_id: uuid.UUID, satisfaction: int
) -> Ticket:
    """Close a ticket with the customer's rating and publish ``ticket.closed``.

    The event names the customer's owner at closing time, so the rep's
    performance reflects the satisfaction of the customers they hold.
    """
    ticket = get(session, principal, ticket_id, lock=True)
    check_can_close(ticket.status)
    now = utcnow()
    ticket.status = "closed"
    ticket.satisfaction = satisfaction
    ticket.closed_at = now
    ticket.closed_by = principal.id
    ref = session.get(CustomerRef, ticket.customer_id)
    outbox.publish(
        session,
        "ticket.closed",
        {
            "ticket_id": ticket.id,
            "customer_id": ticket.customer_id,
            "customer_owner_id": ref.owner_id if ref else None,
            "customer_team_id": ref.team_id if ref else None,
            "satisfaction": satisfaction,
            "opened_at": ticket.opened_at,
            "closed_at": now,
        },
        subject=ticket.id,
    )
    return ticket


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
    if name:
        ref.name = name
