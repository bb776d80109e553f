"""Order routes: list, read, deliveries, cancel."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import invoicing, ordering
from ..models import Order
from ..schemas.common import ReasonSchema
from ..schemas.orders import (
    DeliveryInSchema,
    DeliveryListSchema,
    DeliverySchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
)

blp = Blueprint(
    "orders", __name__, url_prefix="/api/v1/orders", description="Orders, deliveries and payments"
)


def order_view(order: Order) -> dict[str, Any]:
    """An order with its lines and what is invoiced."""
    session = db_session()
    out = {
        k: getattr(order, k)
        for k in (
            "id",
            "opportunity_id",
            "contract_id",
            "customer_id",
            "owner_id",
            "team_id",
            "amount",
            "paid_amount",
            "outstanding_amount",
            "currency",
            "status",
            "fulfilment",
            "cancel_reason",
            "created_at",
            "updated_at",
        )
    }
    out["invoiced_amount"] = invoicing.invoiced(session, order.id)
    out["lines"] = [
        {
            k: getattr(ln, k)
            for k in (
                "id",
                "position",
                "product_id",
                "sku",
                "name",
                "quantity",
                "delivered_quantity",
                "unit_price",
                "amount",
            )
        }
        | {"currency": order.currency}
        for ln in ordering.lines_of(session, order.id)
    ]
    return out


@blp.get("")
@blp.arguments(OrderListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, OrderPageSchema)
def list_orders(**args: Any) -> dict[str, Any]:
    """Orders in the caller's scope, newest first."""
    items, cursor = ordering.list_page(db_session(), current_principal(), args)
    return {"items": [order_view(o) for o in items], "next_cursor": cursor}


@blp.get("/<uuid:order_id>")
@blp.response(200, OrderSchema)
def get_order(order_id: uuid.UUID) -> dict[str, Any]:
    """One order: invoiced, collected and outstanding."""
    return order_view(ordering.get(db_session(), current_principal(), order_id))


@blp.post("/<uuid:order_id>/deliveries")
@idempotent
@blp.arguments(DeliveryInSchema)
@blp.response(201, DeliverySchema)
def deliver(data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
    """Record a (partial) delivery by quantity per line."""
    d = ordering.deliver(db_session(), current_principal(), order_id, data)
    return {
        "id": d.id,
        "delivered_on": d.delivered_on,
        "note": d.note,
        "created_by": d.created_by,
        "lines": data["lines"],
    }


@blp.get("/<uuid:order_id>/deliveries")
@blp.response(200, DeliveryListSchema)
def list_deliveries(order_id: uuid.UUID) -> dict[str, Any]:
    """The order's deliveries."""
    return {"items": ordering.deliveries(db_session(), current_principal(), order_id)}


@blp.post("/<uuid:order_id>/cancel")
@blp.arguments(ReasonSchema)
@blp.response(200, OrderSchema)
def cancel(data: dict[str, Any], order_id: uuid.UUID) -> dict[str, Any]:
    """Cancel an order with nothing received, with a reason."""
    return order_view(ordering.cancel(db_session(), current_principal(), order_id, data["reason"]))
