"""Payment routes: the plan, receipts, refunds, the escalation ladder."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, idempotent, require_roles

from .. import ordering, receivables, reminders
from ..schemas.payments import (
    LadderSchema,
    PaymentInSchema,
    PaymentListSchema,
    PaymentSchema,
    PlanInSchema,
    PlanSchema,
    RefundInSchema,
    ReminderListSchema,
)
from . import today

blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/api/v1/orders",
    description="Payment plans, receipts and refunds",
)


def _payment(order_id: uuid.UUID, payment_id: uuid.UUID) -> dict[str, Any]:
    found = [
        p
        for p in receivables.payments(db_session(), current_principal(), order_id)
        if p["id"] == payment_id
    ]
    return found[0]


@blp.get("/<uuid:order_id>/plan")
@blp.response(200, PlanSchema)
def get_plan(order_id: uuid.UUID) -> dict[str, Any]:
    """The payment plan with each installment's derived status, and its history."""
    session = db_session()
    return receivables.plan_view(
        session, ordering.get(session, current_principal(), order_id), today()
    )


@blp.put("/<uuid:order_id>/plan")
@blp.arguments(PlanInSchema)
@blp.response(200, PlanSchema)
def put_plan(data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
    """Set or change the plan (by hand or from a template); it must add up to the order total."""
    return receivables.set_plan(db_session(), current_principal(), order_id, data, today())


@blp.post("/<uuid:order_id>/payments")
@idempotent
@blp.arguments(PaymentInSchema)
@blp.response(201, PaymentSchema)
def record_payment(data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
    """Record a receipt (honours Idempotency-Key: a retried receipt is not counted twice)."""
    payment = receivables.record_receipt(db_session(), current_principal(), order_id, data, today())
    return _payment(order_id, payment.id)


@blp.post("/<uuid:order_id>/refunds")
@idempotent
@blp.arguments(RefundInSchema)
@blp.response(201, PaymentSchema)
def record_refund(data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
    """Record a refund (a negative receipt with a reason)."""
    payment = receivables.record_refund(db_session(), current_principal(), order_id, data, today())
    return _payment(order_id, payment.id)


@blp.get("/<uuid:order_id>/payments")
@blp.response(200, PaymentListSchema)
def list_payments(order_id: uuid.UUID) -> dict[str, Any]:
    """The order's receipts and refunds, oldest first."""
    return {"items": receivables.payments(db_session(), current_principal(), order_id)}


@blp.get("/<uuid:order_id>/reminders")
@blp.response(200, ReminderListSchema)
def list_reminders(order_id: uuid.UUID) -> dict[str, Any]:
    """Reminders and escalation steps already sent for the order's installments."""
    return {"items": reminders.sent_for(db_session(), current_principal(), order_id)}


@blp.get("/escalation-ladder")
@blp.response(200, LadderSchema)
def get_ladder() -> dict[str, Any]:
    """The overdue escalation ladder."""
    return {"items": reminders.ladder(db_session())}


@blp.put("/escalation-ladder")
@require_roles(ADMIN)
@blp.arguments(LadderSchema)
@blp.response(200, LadderSchema)
def put_ladder(data: dict[str, Any]) -> dict[str, Any]:
    """Replace the ladder (admins)."""
    return {"items": reminders.set_ladder(db_session(), data["items"])}
