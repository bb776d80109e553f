"""What the opportunities API does, over the database."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from .models import Opportunity
from .stages import check_can_close


def _customer(customer_id: uuid.UUID) -> dict[str, Any]:
    # The customers service is the truth about who may work a customer;
    # asking it with the caller's token applies the caller's scope there.
    status, body = current_app.extensions["crm.customers"].get(f"/api/v1/customers/{customer_id}")
    if status == 200 and isinstance(body, dict):
        return body
    raise ValidationFailed.field("customer_id", "no such customer, or not one you may work")


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Opportunity:
    """Open an opportunity owned by the caller."""
    customer = _customer(data["customer_id"])
    now = utcnow()
    opportunity = Opportunity(
        id=uuid.uuid4(),
        customer_id=data["customer_id"],
        lead_id=uuid.UUID(customer["lead_id"]) if customer.get("lead_id") else None,
        name=data["name"].strip(),
        amount=data["amount"],
        currency=data["currency"],
        stage="open",
        owner_id=principal.id,
        team_id=principal.team_id,
        created_at=now,
        updated_at=now,
    )
    session.add(opportunity)
    outbox.publish(
        session,
        "opportunity.created",
        {
            "opportunity_id": opportunity.id,
            "customer_id": opportunity.customer_id,
            "name": opportunity.name,
            "amount": opportunity.amount,
            "currency": opportunity.currency,
            "owner_id": opportunity.owner_id,
            "team_id": opportunity.team_id,
            "created_at": now,
        },
        subject=opportunity.id,
    )
    return opportunity


def get(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, *, lock: bool = False
) -> Opportunity:
    """An opportunity in the caller's scope; 404 otherwise."""
    statement = select(Opportunity).where(Opportunity.id == opportunity_id)
    if lock:
        statement = statement.with_for_update()
    opportunity = session.scalars(statement).first()
    if opportunity is None or not can_see(principal, opportunity.owner_id, opportunity.team_id):
        raise NotFound("no such opportunity")
    return opportunity


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Opportunity], str | None]:
    """A page of opportunities in the caller's scope, newest first."""
    statement = select(Opportunity).where(
        scope_clause(principal, Opportunity.owner_id, Opportunity.team_id)
    )
    if args.get("customer_id"):
        statement = statement.where(Opportunity.customer_id == args["customer_id"])
    if args.get("stage"):
        statement = statement.where(Opportunity.stage == args["stage"])
    keys = [
        SortKey(Opportunity.created_at, "created_at", True),
        SortKey(Opportunity.id, "id", True),
    ]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def win(session: Session, principal: Principal, opportunity_id: uuid.UUID) -> Opportunity:
    """Mark the deal won and publish ``deal.won`` (orders and compensation act on it)."""
    opportunity = get(session, principal, opportunity_id, lock=True)
    check_can_close(opportunity.stage)
    now = utcnow()
    opportunity.stage = "won"
    opportunity.closed_at = now
    opportunity.updated_at = now
    outbox.publish(
        session,
        "deal.won",
        {
            "opportunity_id": opportunity.id,
            "customer_id": opportunity.customer_id,
            "name": opportunity.name,
            "amount": opportunity.amount,
            "currency": opportunity.currency,
            "owner_id": opportunity.owner_id,
            "team_id": opportunity.team_id,
            "lead_id": opportunity.lead_id,
            "won_at": now,
        },
        subject=opportunity.id,
    )
    return opportunity


def lose(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, reason: str | None
) -> Opportunity:
    """Mark the deal lost, with a reason, and publish ``deal.lost``."""
    opportunity = get(session, principal, opportunity_id, lock=True)
    check_can_close(opportunity.stage)
    now = utcnow()
    opportunity.stage = "lost"
    opportunity.closed_at = now
    opportunity.lost_reason = reason
    opportunity.updated_at = now
    outbox.publish(
        session,
        "deal.lost",
        {
            "opportunity_id": opportunity.id,
            "customer_id": opportunity.customer_id,
            "amount": opportunity.amount,
            "currency": opportunity.currency,
            "owner_id": opportunity.owner_id,
            "team_id": opportunity.team_id,
            "reason": reason,
            "lost_at": now,
        },
        subject=opportunity.id,
    )
    return opportunity
