"""HTTP routes of the orders service: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from . import commands
from .models import Order, Payment
from .schemas import (
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
    PaymentInSchema,
    PaymentListSchema,
    PaymentSchema,
)

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Orders and payments")


@blp.get("")
@blp.arguments(OrderListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, OrderPageSchema)
def list_orders(**args: Any) -> dict[str, Any]:
    """Orders in the caller's scope, newest first."""
    items, cursor = commands.list_page(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:order_id>")
@blp.response(200, OrderSchema)
def get_order(order_id: uuid.UUID) -> Order:
    """One order."""
    return commands.get(db_session(), current_principal(), order_id)


@blp.post("/<uuid:order_id>/payments")
@idempotent
@blp.arguments(PaymentInSchema)
@blp.response(201, PaymentSchema)
def record_payment(data: dict[str, Any], order_id: uuid.UUID) -> Payment:
    """Record a payment (honours Idempotency-Key: a retried payment is not counted twice)."""
    return commands.record_payment(db_session(), current_principal(), order_id, data)


@blp.get("/<uuid:order_id>/payments")
@blp.response(200, PaymentListSchema)
def list_payments(order_id: uuid.UUID) -> dict[str, Any]:
    """The order's payments, oldest first."""
    return {"items": commands.payments(db_session(), current_principal(), order_id)}
