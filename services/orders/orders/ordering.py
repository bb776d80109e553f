"""Orders: from a won deal (no contract flow) or an active contract; deliveries; cancel."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.approvals.tables import approval_flows
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import balances
from .models import Contract, ContractLine, Delivery, DeliveryLine, Installment, Order, OrderLine
from .rules.payments import check_payment, status_after


def contract_flow_configured(session: Session) -> bool:
    """Whether admins configured a contract approval flow (won deals then become drafts)."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(approval_flows)
            .where(approval_flows.c.kind == "contract")
        )
    )


def _publish_created(session: Session, order: Order) -> None:
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
            "created_at": order.created_at,
        },
        subject=order.id,
    )


def on_deal_won(session: Session, data: dict[str, Any]) -> None:
    """A won deal: a draft contract when a contract flow exists, else an order at once."""
    if contract_flow_configured(session):
        from . import contracts

        contracts.from_deal(session, data, utcnow().date())
    else:
        order_from_deal(session, data)


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
        fulfilment="active",
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()  # its lines refer to it
    for i, line in enumerate(data.get("lines") or []):
        session.add(
            OrderLine(
                id=uuid.uuid4(),
                order_id=order.id,
                position=i + 1,
                product_id=uuid.UUID(line["product_id"]) if line.get("product_id") else None,
                sku=line.get("sku"),
                name=line["name"],
                quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                amount=Decimal(
                    line.get("amount") or Decimal(line["quantity"]) * Decimal(line["unit_price"])
                ),
                delivered_quantity=Decimal(0),
            )
        )
    _publish_created(session, order)
    balances.refresh(session, order.customer_id, order.currency)
    return order


def order_from_contract(session: Session, contract: Contract, lines: list[ContractLine]) -> Order:
    """The order of an active contract: its total and lines."""
    if session.scalar(select(Order.id).where(Order.contract_id == contract.id)):
        raise Conflict("the contract already has an order")
    opportunity = contract.opportunity_id
    if opportunity and session.scalar(select(Order.id).where(Order.opportunity_id == opportunity)):
        opportunity = None  # the deal's order exists already (made before a flow was set)
    now = utcnow()
    order = Order(
        id=uuid.uuid4(),
        opportunity_id=opportunity,
        contract_id=contract.id,
        customer_id=contract.customer_id,
        owner_id=contract.owner_id,
        team_id=contract.team_id,
        amount=contract.total,
        paid_amount=Decimal(0),
        currency=contract.currency,
        status="open",
        fulfilment="active",
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()  # its lines refer to it
    _copy_lines(session, order, lines)
    _publish_created(session, order)
    balances.refresh(session, order.customer_id, order.currency)
    return order


def _copy_lines(session: Session, order: Order, lines: list[ContractLine]) -> None:
    for line in lines:
        session.add(
            OrderLine(
                id=uuid.uuid4(),
                order_id=order.id,
                position=line.position,
                product_id=line.product_id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount + line.tax_amount,
                delivered_quantity=Decimal(0),
            )
        )


def amend_order(
    session: Session, previous: Contract, contract: Contract, lines: list[ContractLine]
) -> None:
    """An amendment takes effect: its order takes the new total and lines."""
    order = session.scalars(
        select(Order).where(Order.contract_id == previous.id).with_for_update()
    ).first()
    if order is None:
        order_from_contract(session, contract, lines)
        return
    if session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.order_id == order.id)
    ):
        raise Conflict("the order has deliveries; its lines can no longer be amended")
    if contract.total < order.paid_amount:
        raise ValidationFailed.field("total", f"is below the {order.paid_amount} already received")
    for old in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)):
        session.delete(old)
    session.flush()
    _copy_lines(session, order, lines)
    order.contract_id, order.amount = contract.id, contract.total
    order.status = status_after(order.amount, order.paid_amount)
    order.updated_at = utcnow()
    balances.refresh(session, order.customer_id, order.currency)


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
    for key in ("opportunity_id", "customer_id", "contract_id"):
        if args.get(key):
            statement = statement.where(getattr(Order, key) == args[key])
    keys = [SortKey(Order.created_at, "created_at", True), SortKey(Order.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def lines_of(session: Session, order_id: uuid.UUID) -> list[OrderLine]:
    """An order's lines in order."""
    return list(
        session.scalars(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.position)
        )
    )


def deliver(
    session: Session, principal: Principal, order_id: uuid.UUID, data: dict[str, Any]
) -> Delivery:
    """A (partial) delivery; the order is ``delivered`` once every line is."""
    order = get(session, principal, order_id, lock=True)
    if order.fulfilment not in ("active",):
        raise Conflict(f"a {order.fulfilment} order takes no delivery", status_now=order.fulfilment)
    lines = {line.id: line for line in lines_of(session, order.id)}
    if not data["lines"]:
        raise ValidationFailed.field("lines", "deliver at least one line")
    delivery = Delivery(
        id=uuid.uuid4(),
        order_id=order.id,
        delivered_on=data["delivered_on"],
        note=data.get("note"),
        created_by=principal.id,
        created_at=utcnow(),
    )
    session.add(delivery)
    session.flush()  # its lines refer to it
    for i, part in enumerate(data["lines"]):
        line = lines.get(part["order_line_id"])
        if line is None:
            raise ValidationFailed.field(f"lines.{i}.order_line_id", "is not a line of this order")
        quantity: Decimal = part["quantity"]
        if quantity <= 0:
            raise ValidationFailed.field(f"lines.{i}.quantity", "must be greater than zero")
        if line.delivered_quantity + quantity > line.quantity:
            left = line.quantity - line.delivered_quantity
            raise ValidationFailed.field(
                f"lines.{i}.quantity", f"exceeds the {left.normalize():f} left to deliver"
            )
        line.delivered_quantity += quantity
        session.add(
            DeliveryLine(
                id=uuid.uuid4(), delivery_id=delivery.id, order_line_id=line.id, quantity=quantity
            )
        )
    if all(line.delivered_quantity >= line.quantity for line in lines.values()):
        order.fulfilment = "delivered"
    _maybe_complete(session, order)
    order.updated_at = utcnow()
    return delivery


def _maybe_complete(session: Session, order: Order) -> None:
    if order.fulfilment == "delivered" and order.status == "paid":
        order.fulfilment = "completed"
        if order.contract_id:
            contract = session.get(Contract, order.contract_id)
            if contract is not None and contract.status == "active":
                contract.status = "completed"


def deliveries(session: Session, principal: Principal, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """An order's deliveries with their lines, oldest first."""
    order = get(session, principal, order_id)
    out = []
    for d in session.scalars(
        select(Delivery).where(Delivery.order_id == order.id).order_by(Delivery.created_at)
    ):
        parts = session.scalars(select(DeliveryLine).where(DeliveryLine.delivery_id == d.id))
        out.append(
            {
                "id": d.id,
                "delivered_on": d.delivered_on,
                "note": d.note,
                "created_by": d.created_by,
                "lines": [
                    {"order_line_id": p.order_line_id, "quantity": p.quantity} for p in parts
                ],
            }
        )
    return out


def cancel(session: Session, principal: Principal, order_id: uuid.UUID, reason: str) -> Order:
    """Cancel an order that has received nothing; the reason is kept."""
    order = get(session, principal, order_id, lock=True)
    if order.fulfilment in ("completed", "cancelled"):
        raise Conflict(
            f"a {order.fulfilment} order cannot be cancelled", status_now=order.fulfilment
        )
    if not reason.strip():
        raise ValidationFailed.field("reason", "say why the order is cancelled")
    if order.paid_amount != 0:
        raise Conflict("refund the receipts before cancelling the order")
    order.fulfilment, order.cancel_reason, order.updated_at = "cancelled", reason, utcnow()
    for inst in session.scalars(select(Installment).where(Installment.order_id == order.id)):
        inst.void = True
    balances.refresh(session, order.customer_id, order.currency)
    return order


def check_new_receipt(order: Order, amount: Decimal, currency: str) -> None:
    """Raise unless ``amount`` may be received on ``order`` (currency, over-payment, state)."""
    if order.fulfilment == "cancelled":
        raise Conflict("the order is cancelled")
    check_payment(order.status, order.currency, order.outstanding_amount, amount, currency)


def after_money(session: Session, order: Order, today: date) -> None:
    """Order state after a receipt or refund."""
    order.status = status_after(order.amount, order.paid_amount)
    order.updated_at = utcnow()
    _maybe_complete(session, order)
