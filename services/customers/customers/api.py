"""HTTP routes of the customers service: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from . import commands
from .models import Customer
from .schemas import (
    CustomerInSchema,
    CustomerListArgsSchema,
    CustomerPageSchema,
    CustomerSchema,
    ReleaseSchema,
)

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customers")


@blp.post("")
@idempotent
@blp.arguments(CustomerInSchema)
@blp.response(201, CustomerSchema)
def create_customer(data: dict[str, Any]) -> Customer:
    """Enter a customer by hand; the caller owns it (honours Idempotency-Key)."""
    return commands.create_customer(db_session(), current_principal(), data)


@blp.get("")
@blp.arguments(CustomerListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CustomerPageSchema)
def list_customers(**args: Any) -> dict[str, Any]:
    """Customers the caller may see (their own, their team's, the pool), newest first."""
    items, cursor = commands.list_customers(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:customer_id>")
@blp.response(200, CustomerSchema)
def get_customer(customer_id: uuid.UUID) -> Customer:
    """One customer."""
    return commands.get_customer(db_session(), current_principal(), customer_id)


@blp.post("/<uuid:customer_id>/claim")
@blp.response(200, CustomerSchema)
def claim_customer(customer_id: uuid.UUID) -> Customer:
    """Claim a customer from the public pool; 409 when someone else got it first."""
    return commands.claim(db_session(), current_principal(), customer_id)


@blp.post("/<uuid:customer_id>/release")
@blp.arguments(ReleaseSchema, required=False)
@blp.response(200, CustomerSchema)
def release_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Customer:
    """Return a customer to the public pool, with a reason."""
    return commands.release(
        db_session(), current_principal(), customer_id, (data or {}).get("reason")
    )
