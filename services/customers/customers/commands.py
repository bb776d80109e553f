"""What the customers API does, over the database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select, true, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import MANAGER, REP, SERVICE_AGENT, Principal, Scope
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound
from crm_shared.pagination import SortKey, paginate

from .models import Customer, OwnershipChange
from .ownership import check_claim, check_release, may_view


def _visible(principal: Principal) -> Any:
    if principal.has_role(SERVICE_AGENT) or principal.scope is Scope.ALL:
        return true()
    pool = Customer.owner_id.is_(None) if principal.has_role(REP, MANAGER) else None
    mine = Customer.owner_id == principal.id
    clauses = [mine]
    if principal.scope is Scope.TEAM:
        clauses.append(Customer.team_id == principal.team_id)
    if pool is not None:
        clauses.append(pool)
    return or_(*clauses)


def _created_event(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "owner_id": customer.owner_id,
        "team_id": customer.team_id,
        "lead_id": customer.lead_id,
        "created_at": customer.created_at,
    }


def create_customer(session: Session, principal: Principal, data: dict[str, Any]) -> Customer:
    """A customer entered by hand, owned by the caller."""
    now = utcnow()
    customer = Customer(
        id=uuid.uuid4(),
        name=data["name"].strip(),
        kind=data["kind"],
        email=data["email"].lower() if data.get("email") else None,
        phone=data.get("phone"),
        company=data.get("company"),
        owner_id=principal.id,
        team_id=principal.team_id,
        created_at=now,
        updated_at=now,
        claimed_at=now,
    )
    session.add(customer)
    session.add(
        OwnershipChange(
            customer_id=customer.id,
            action="created",
            to_owner_id=principal.id,
            actor_id=principal.id,
        )
    )
    outbox.publish(session, "customer.created", _created_event(customer), subject=customer.id)
    return customer


def create_from_lead(session: Session, data: dict[str, Any]) -> Customer | None:
    """The customer for a qualified lead, owned by the lead's owner; one per lead.

    Returns None when the lead already has its customer.
    """
    lead_id = uuid.UUID(data["lead_id"])
    if session.scalar(select(Customer.id).where(Customer.lead_id == lead_id)) is not None:
        return None
    now = utcnow()
    owner_id = uuid.UUID(data["owner_id"]) if data.get("owner_id") else None
    customer = Customer(
        id=uuid.uuid4(),
        name=(data.get("company") or data["name"]).strip(),
        kind="company" if data.get("company") else "person",
        email=data.get("email"),
        phone=data.get("phone"),
        company=data.get("company"),
        source=data.get("source"),
        lead_id=lead_id,
        owner_id=owner_id,
        team_id=uuid.UUID(data["team_id"]) if data.get("team_id") else None,
        created_at=now,
        updated_at=now,
        claimed_at=now if owner_id else None,
    )
    session.add(customer)
    session.add(
        OwnershipChange(
            customer_id=customer.id, action="created", to_owner_id=owner_id, reason="lead qualified"
        )
    )
    outbox.publish(session, "customer.created", _created_event(customer), subject=customer.id)
    return customer


def get_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """A customer the caller may see; 404 otherwise."""
    customer = session.get(Customer, customer_id)
    if customer is None or not may_view(principal, customer.owner_id, customer.team_id):
        raise NotFound("no such customer")
    return customer


def list_customers(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Customer], str | None]:
    """A page of the customers the caller may see, newest first."""
    statement = select(Customer).where(_visible(principal))
    if args.get("lead_id"):
        statement = statement.where(Customer.lead_id == args["lead_id"])
    if args.get("owner_id"):
        statement = statement.where(Customer.owner_id == args["owner_id"])
    if args.get("in_pool") is not None:
        pooled = Customer.owner_id.is_(None)
        statement = statement.where(pooled if args["in_pool"] else ~pooled)
    keys = [SortKey(Customer.created_at, "created_at", True), SortKey(Customer.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def claim(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """Take a customer from the pool. Of several simultaneous claims exactly one wins.

    A customer someone else took meanwhile answers 409, not 404: the loser
    saw it in the pool a moment ago and should learn that it was taken.
    """
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("no such customer")
    check_claim(principal, customer.owner_id)
    now = utcnow()
    # The owner IS NULL condition makes the claim atomic: a concurrent
    # winner leaves nothing for this UPDATE to match.
    won = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.owner_id.is_(None))
        .values(owner_id=principal.id, team_id=principal.team_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise Conflict("another rep claimed this customer first")
    session.refresh(customer)
    session.add(
        OwnershipChange(
            customer_id=customer.id,
            action="claimed",
            to_owner_id=principal.id,
            actor_id=principal.id,
            at=now,
        )
    )
    outbox.publish(
        session,
        "customer.claimed",
        {
            "customer_id": customer.id,
            "owner_id": principal.id,
            "team_id": principal.team_id,
            "claimed_at": now,
        },
        subject=customer.id,
    )
    return customer


def release(
    session: Session, principal: Principal, customer_id: uuid.UUID, reason: str | None
) -> Customer:
    """Return a customer to the pool and announce ``customer.recycled``."""
    customer = get_customer(session, principal, customer_id)
    check_release(principal, customer.owner_id, customer.team_id)
    previous_owner, previous_team = customer.owner_id, customer.team_id
    now = utcnow()
    released = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.owner_id == previous_owner)
        .values(owner_id=None, released_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if released != 1:
        raise Conflict("the customer's owner changed meanwhile; reload and retry")
    session.refresh(customer)
    text = reason or "released by owner"
    session.add(
        OwnershipChange(
            customer_id=customer.id,
            action="released",
            from_owner_id=previous_owner,
            actor_id=principal.id,
            reason=text,
            at=now,
        )
    )
    outbox.publish(
        session,
        "customer.recycled",
        {
            "customer_id": customer.id,
            "previous_owner_id": previous_owner,
            "previous_team_id": previous_team,
            "lead_id": customer.lead_id,
            "reason": text,
            "recycled_at": now,
        },
        subject=customer.id,
    )
    return customer
