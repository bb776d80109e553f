"""Routes of customer records: entering, finding, nearby, editing, collaborators."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
)

from .. import records
from ..schemas.customers import (
    CustomerInSchema,
    CustomerListArgsSchema,
    CustomerPageSchema,
    CustomerPatchSchema,
    CustomerSchema,
    NearArgsSchema,
    NearSchema,
)
from .common import page, region

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customers")


@blp.post("")
@idempotent
@blp.arguments(CustomerInSchema)
@blp.response(201, CustomerSchema)
def create_customer(data: dict[str, Any]) -> Any:
    """Enter a customer by hand: the caller owns it, or it goes into a pool (``in_pool``)."""
    return records.create_customer(db_session(), current_principal(), data, region())


@blp.get("")
@blp.arguments(CustomerListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CustomerPageSchema)
def list_customers(**args: Any) -> dict[str, Any]:
    """Customers the caller may see (own, collaborated on, team's, their pools')."""
    return page(*records.list_customers(db_session(), current_principal(), args, region()))


@blp.get("/near")
@blp.arguments(NearArgsSchema, location="query", as_kwargs=True)
@blp.response(200, NearSchema)
def customers_near(**args: Any) -> dict[str, Any]:
    """Customers with coordinates within a radius of a point, nearest first."""
    items = records.near(
        db_session(),
        current_principal(),
        args["latitude"],
        args["longitude"],
        args["radius_km"],
        args["limit"],
        args["mine"],
    )
    return {"items": items}


@blp.get("/<uuid:customer_id>")
@blp.response(200, CustomerSchema)
def get_customer(customer_id: uuid.UUID) -> Any:
    """One customer."""
    return records.get_customer(db_session(), current_principal(), customer_id)


@blp.patch("/<uuid:customer_id>")
@blp.arguments(CustomerPatchSchema)
@blp.response(200, CustomerSchema)
def update_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Change a customer's profile: industry, region, size, address and coordinates, tags,
    custom fields (owner, their manager, an admin)."""
    return records.update_customer(db_session(), current_principal(), customer_id, data, region())


@blp.put("/<uuid:customer_id>/collaborators/<uuid:user_id>")
@blp.response(200, CustomerSchema)
def add_collaborator(customer_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    """Let a colleague work the customer alongside its owner."""
    return records.set_collaborator(db_session(), current_principal(), customer_id, user_id, True)


@blp.delete("/<uuid:customer_id>/collaborators/<uuid:user_id>")
@blp.response(200, CustomerSchema)
def remove_collaborator(customer_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    """Stop a colleague collaborating on the customer."""
    return records.set_collaborator(db_session(), current_principal(), customer_id, user_id, False)
