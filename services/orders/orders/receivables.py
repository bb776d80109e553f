"""Payment plans (回款计划), receipts (回款) split over installments, and refunds."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, ValidationFailed
from crm_shared.schemas import check_amount, minor_units

from . import balances, ordering
from .models import Allocation, Installment, Order, Payment, PlanRevision
from .rules import plans
from .rules.installments import installment_status
from .rules.payments import OpenInstallment, split_receipt, split_refund


def installments_of(
    session: Session, order_id: uuid.UUID, *, lock: bool = False
) -> list[Installment]:
    """The order's current (non-void) installments, by due order."""
    statement = (
        select(Installment)
        .where(Installment.order_id == order_id, Installment.void.is_(False))
        .order_by(Installment.seq)
    )
    if lock:
        statement = statement.with_for_update()
    return list(session.scalars(statement))


def installment_view(inst: Installment, currency: str, today: date) -> dict[str, Any]:
    """An installment with its derived status."""
    return {
        "id": inst.id,
        "seq": inst.seq,
        "amount": inst.amount,
        "received": inst.received,
        "outstanding": inst.amount - inst.received,
        "currency": currency,
        "due_on": inst.due_on,
        "remind_days": inst.remind_days,
        "paid_on": inst.paid_on,
        "status": installment_status(
            inst.amount, inst.received, inst.due_on, today, void=inst.void
        ),
    }


def plan_view(session: Session, order: Order, today: date) -> dict[str, Any]:
    """The order's plan: installments with status, and the revision history."""
    history = session.scalars(
        select(PlanRevision)
        .where(PlanRevision.order_id == order.id)
        .order_by(PlanRevision.revision)
    )
    return {
        "order_id": order.id,
        "currency": order.currency,
        "total": order.amount,
        "installments": [
            installment_view(i, order.currency, today) for i in installments_of(session, order.id)
        ],
        "history": [
            {
                "revision": h.revision,
                "template": h.template,
                "reason": h.reason,
                "changed_by": h.changed_by,
                "changed_at": h.changed_at,
                "installments": h.installments,
            }
            for h in history
        ],
    }


def _planned(
    order: Order, data: dict[str, Any], today: date
) -> tuple[list[plans.PlannedInstallment], str]:
    minor = minor_units(order.currency)
    remind = data.get("remind_days", 3)
    if data.get("template") == "percentages":
        start = data.get("start_on") or today
        return plans.by_percentages(
            order.amount, data["percentages"], start, data["due_days"], minor, remind
        ), "percentages"
    if data.get("template") == "monthly":
        return plans.monthly(
            order.amount, data["months"], data.get("start_on") or today, minor, remind
        ), "monthly"
    if not data.get("installments"):
        raise ValidationFailed.field("installments", "give installments, or a template")
    out = []
    for i, item in enumerate(data["installments"]):
        problem = check_amount(item["amount"], order.currency)
        if problem:
            raise ValidationFailed.field(f"installments.{i}.amount", problem)
        out.append(
            plans.PlannedInstallment(
                item["amount"], item["due_on"], item.get("remind_days", remind)
            )
        )
    return out, "manual"


def set_plan(
    session: Session, principal: Principal, order_id: uuid.UUID, data: dict[str, Any], today: date
) -> dict[str, Any]:
    """Create or replace the order's plan; it must add up exactly to the order total.

    Money already received stays with the installments it paid: a new plan
    keeps the first installments' receipts in place, and may not plan any of
    them below what it has received. Every change is kept in the history.
    """
    order = ordering.get(session, principal, order_id, lock=True)
    if order.fulfilment == "cancelled":
        raise Conflict("the order is cancelled")
    planned, template = _planned(order, data, today)
    current = installments_of(session, order.id, lock=True)
    received = [i.received for i in current if i.received != 0]
    paid_installments = [i for i in current if i.received != 0]
    if len(paid_installments) > len(planned):
        raise ValidationFailed.field(
            "installments",
            f"{len(paid_installments)} installments have receipts; keep at least as many",
        )
    plans.check_plan(order.amount, planned, received)
    # Installments with receipts are kept in place (allocations stay); the rest replaced.
    for inst in current:
        if inst.received == 0:
            inst.void = True
            inst.seq = -abs(inst.seq) - 1000  # out of the live sequence
    next_seq = 1
    kept = iter(paid_installments)
    for item in planned:
        found = next(kept, None)
        if found is None:
            found = Installment(
                id=uuid.uuid4(),
                order_id=order.id,
                customer_id=order.customer_id,
                owner_id=order.owner_id,
                team_id=order.team_id,
                currency=order.currency,
                received=Decimal(0),
                void=False,
                created_at=utcnow(),
            )
            session.add(found)
        inst = found
        inst.seq, inst.amount, inst.due_on, inst.remind_days = (
            next_seq,
            item.amount,
            item.due_on,
            item.remind_days,
        )
        inst.paid_on = inst.paid_on if inst.received >= item.amount else None
        next_seq += 1
    session.flush()
    revision = (
        session.scalar(
            select(func.max(PlanRevision.revision)).where(PlanRevision.order_id == order.id)
        )
        or 0
    ) + 1
    session.add(
        PlanRevision(
            id=uuid.uuid4(),
            order_id=order.id,
            revision=revision,
            template=template,
            reason=data.get("reason"),
            changed_by=principal.id,
            changed_at=utcnow(),
            installments=[
                {
                    "amount": str(p.amount),
                    "due_on": p.due_on.isoformat(),
                    "remind_days": p.remind_days,
                }
                for p in planned
            ],
        )
    )
    session.flush()
    balances.refresh(session, order.customer_id, order.currency)
    return plan_view(session, order, today)


def _event_common(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "opportunity_id": order.opportunity_id,
        "customer_id": order.customer_id,
        "owner_id": order.owner_id,
        "team_id": order.team_id,
        "currency": order.currency,
    }


def record_receipt(
    session: Session, principal: Principal, order_id: uuid.UUID, data: dict[str, Any], today: date
) -> Payment:
    """Record money received, split over installments, and publish ``payment.received``.

    The order row is locked, so two receipts recorded at once cannot
    together exceed what is outstanding.
    """
    order = ordering.get(session, principal, order_id, lock=True)
    amount: Decimal = data["amount"]
    ordering.check_new_receipt(order, amount, data["currency"])
    open_items = [i for i in installments_of(session, order.id, lock=True) if i.received < i.amount]
    requested: dict[uuid.UUID, Decimal] | None = None
    if data.get("allocations"):
        requested = {}
        for part in data["allocations"]:
            requested[part["installment_id"]] = (
                requested.get(part["installment_id"], Decimal(0)) + part["amount"]
            )
    split = (
        split_receipt(
            amount, [OpenInstallment(i.id, i.amount - i.received) for i in open_items], requested
        )
        if open_items or requested
        else {}
    )
    now = utcnow()
    received_on = data.get("received_on") or today
    payment = Payment(
        id=uuid.uuid4(),
        order_id=order.id,
        amount=amount,
        currency=order.currency,
        received_at=now,
        received_on=received_on,
        method=data.get("method"),
        reference=data.get("reference"),
        recorded_by=principal.id,
    )
    session.add(payment)
    session.flush()  # the allocations refer to it
    by_id = {i.id: i for i in open_items}
    for inst_id, part in split.items():
        inst = by_id[inst_id]
        inst.received += part
        if inst.received >= inst.amount and inst.paid_on is None:
            inst.paid_on = received_on
        session.add(
            Allocation(id=uuid.uuid4(), payment_id=payment.id, installment_id=inst_id, amount=part)
        )
    order.paid_amount = order.paid_amount + amount
    ordering.after_money(session, order, today)
    balances.refresh(session, order.customer_id, order.currency)
    outbox.publish(
        session,
        "payment.received",
        {
            **_event_common(order),
            "payment_id": payment.id,
            "amount": amount,
            "installment_ids": [str(i) for i in split],
            "received_at": now,
        },
        subject=order.id,
    )
    return payment


def record_refund(
    session: Session, principal: Principal, order_id: uuid.UUID, data: dict[str, Any], today: date
) -> Payment:
    """Pay money back (a negative receipt with a reason) and publish ``payment.refunded``."""
    order = ordering.get(session, principal, order_id, lock=True)
    amount: Decimal = data["amount"]
    if data["currency"] != order.currency:
        raise ValidationFailed.field("currency", f"must be the order's currency, {order.currency}")
    if not (data.get("reason") or "").strip():
        raise ValidationFailed.field("reason", "say why the money is refunded")
    if amount > order.paid_amount:
        raise ValidationFailed.field("amount", f"exceeds the {order.paid_amount} received")
    refunded = data.get("payment_id")
    if refunded is not None:
        original = session.get(Payment, refunded)
        if original is None or original.order_id != order.id or original.amount <= 0:
            raise ValidationFailed.field("payment_id", "is not a receipt of this order")
    paid = [i for i in installments_of(session, order.id, lock=True) if i.received > 0]
    split = split_refund(amount, [OpenInstallment(i.id, i.received) for i in paid])
    now = utcnow()
    payment = Payment(
        id=uuid.uuid4(),
        order_id=order.id,
        amount=-amount,
        currency=order.currency,
        received_at=now,
        received_on=data.get("refunded_on") or today,
        method=data.get("method"),
        reference=data.get("reference"),
        reason=data["reason"],
        refund_of=refunded,
        recorded_by=principal.id,
    )
    session.add(payment)
    session.flush()  # the allocations refer to it
    by_id = {i.id: i for i in paid}
    for inst_id, part in split.items():
        inst = by_id[inst_id]
        inst.received -= part
        if inst.received < inst.amount:
            inst.paid_on = None
        session.add(
            Allocation(id=uuid.uuid4(), payment_id=payment.id, installment_id=inst_id, amount=-part)
        )
    order.paid_amount = order.paid_amount - amount
    ordering.after_money(session, order, today)
    balances.refresh(session, order.customer_id, order.currency)
    outbox.publish(
        session,
        "payment.refunded",
        {
            **_event_common(order),
            "refund_id": payment.id,
            "payment_id": refunded,
            "amount": amount,
            "reason": data["reason"],
            "installment_ids": [str(i) for i in split],
            "refunded_at": now,
        },
        subject=order.id,
    )
    return payment


def payments(session: Session, principal: Principal, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """An order's receipts and refunds, oldest first, with their split."""
    order = ordering.get(session, principal, order_id)
    out = []
    for p in session.scalars(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.received_at)
    ):
        parts = session.scalars(select(Allocation).where(Allocation.payment_id == p.id))
        out.append(
            {
                "id": p.id,
                "order_id": p.order_id,
                "kind": p.kind,
                "amount": p.amount,
                "currency": p.currency,
                "received_at": p.received_at,
                "received_on": p.received_on,
                "method": p.method,
                "reference": p.reference,
                "reason": p.reason,
                "refund_of": p.refund_of,
                "recorded_by": p.recorded_by,
                "allocations": [
                    {"installment_id": a.installment_id, "amount": a.amount, "currency": p.currency}
                    for a in parts
                ],
            }
        )
    return out
