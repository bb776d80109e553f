"""What the orders API does, over the database."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import NotFound
from crm_shared.pagination import SortKey, paginate

from .billing import check_payment, status_after
from .models import Order, Payment


def order_from_deal(session: Session, data: dict[str, Any]) -> Order | None:
    """The order for a won deal; one per opportunity (None when it exists)."""
    opportunity_id = uuid.UUID(data["opportunity_id"])
    if session.scalar(select(Order.id).where(Order.opportunity_id == opportunity_id)):
        return None
    now = utcnow()
    order = Order(
        id=uuid.uuid4(),
        opportunity_id=opportunity_id,
        customer_id=uuid.UUID(data["customer_id"]),
        owner_id=uuid.UUID(data["owner_id"]),
        team_id=uuid.UUID(data["team_id"]) if data.get("team_id") else None,
        amount=Decimal(data["amount"]),
        paid_amount=Decimal(0),
        currency=data["currency"],
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    outbox.publish(
        session,
        "order.created",
        {
            "order_id": order.id,
            "opportunity_id": order.opportunity_id,
            "customer_id": order.customer_id,
            "amount": order.amount,
            "currency": order.currency,
            "owner_id": order.owner_id,
            "team_id": order.team_id,
            "created_at": now,
        },
        subject=order.id,
    )
    return order


def get(
    session: Session, principal: Principal, order_id: uuid.UUID, *, lock: bool = False
) -> Order:
    """An order in the caller's scope; 404 otherwise."""
    statement = select(Order).where(Order.id == order_id)
    if lock:
        statement = statement.with_for_update()
    order = session.scalars(statement).first()
    if order is None or not can_see(principal, order.owner_id, order.team_id):
        raise NotFound("no such order")
    return order


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Order], str | None]:
    """A page of orders in the caller's scope, newest first."""
    statement = select(Order).where(scope_clause(principal, Order.owner_id, Order.team_id))
    if args.get("opportunity_id"):
        statement = statement.where(Order.opportunity_id == args["opportunity_id"])
    if args.get("customer_id"):
        statement = statement.where(Order.customer_id == args["customer_id"])
    keys = [SortKey(Order.created_at, "created_at", True), SortKey(Order.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def record_payment(
    session: Session, principal: Principal, order_id: uuid.UUID, data: dict[str, Any]
) -> Payment:
    """Record money received and publish ``payment.received``.

    The order row is locked, so two payments recorded at once cannot
    together exceed what is outstanding.
    """
    order = get(session, principal, order_id, lock=True)
    amount: Decimal = data["amount"]
    check_payment(order.status, order.currency, order.outstanding_amount, amount, data["currency"])
    now = utcnow()
    payment = Payment(
        id=uuid.uuid4(),
        order_id=order.id,
        amount=amount,
        currency=order.currency,
        received_at=now,
        recorded_by=principal.id,
    )
    session.add(payment)
    order.paid_amount = order.paid_amount + amount
    order.status = status_after(order.amount, order.paid_amount)
    order.updated_at = now
    outbox.publish(
        session,
        "payment.received",
        {
            "payment_id": payment.id,
            "order_id": order.id,
            "customer_id": order.customer_id,
            "amount": amount,
            "currency": order.currency,
            "owner_id": order.owner_id,
            "team_id": order.team_id,
            "received_at": now,
        },
        subject=order.id,
    )
    return payment


def payments(session: Session, principal: Principal, order_id: uuid.UUID) -> list[Payment]:
    """An order's payments, oldest first."""
    order = get(session, principal, order_id)
    return list(
        session.scalars(
            select(Payment).where(Payment.order_id == order.id).order_by(Payment.received_at)
        )
    )
