"""Routes of ownership moves (claim, release, assign, lock), their history, and ownership limits."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.web import current_principal, db_session, require_roles

from .. import ownership_limits, ownership_log, ownership_moves, retention
from ..schemas.customers import CustomerSchema
from ..schemas.ownership import (
    AssignSchema,
    LimitInSchema,
    LimitListSchema,
    LimitSchema,
    LockSchema,
    OwnershipHistorySchema,
    ReleaseSchema,
)
from .customers import blp


@blp.get("/ownership-limits")
@require_roles(ADMIN, MANAGER)
@blp.response(200, LimitListSchema)
def list_limits() -> dict[str, Any]:
    """How many customers reps may own: per user, per team member, and the default."""
    return {"items": ownership_limits.list_limits(db_session())}


@blp.put("/ownership-limits")
@require_roles(ADMIN)
@blp.arguments(LimitInSchema)
@blp.response(200, LimitSchema)
def put_limit(data: dict[str, Any]) -> Any:
    """Set a limit for a user, for each member of a team, or (neither) the default."""
    return ownership_limits.put_limit(db_session(), current_principal(), data)


@blp.delete("/ownership-limits/<uuid:limit_id>")
@require_roles(ADMIN)
@blp.response(204)
def delete_limit(limit_id: uuid.UUID) -> Any:
    """Remove a limit; the next more general one applies."""
    ownership_limits.delete_limit(db_session(), limit_id)
    return ""


@blp.get("/<uuid:customer_id>/ownership")
@blp.response(200, OwnershipHistorySchema)
def ownership_history(customer_id: uuid.UUID) -> Any:
    """Who owned the customer when, who changed it and why."""
    return {
        "items": ownership_log.ownership_history(db_session(), current_principal(), customer_id)
    }


@blp.post("/<uuid:customer_id>/claim")
@blp.response(200, CustomerSchema)
def claim_customer(customer_id: uuid.UUID) -> Any:
    """Claim a customer from its pool; 409 when someone else got it first or a limit is hit."""
    return ownership_moves.claim(db_session(), current_principal(), customer_id)


@blp.post("/<uuid:customer_id>/release")
@blp.arguments(ReleaseSchema, required=False)
@blp.response(200, CustomerSchema)
def release_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Return a customer to the pool, with a reason."""
    data = data or {}
    return ownership_moves.release(
        db_session(), current_principal(), customer_id, data.get("reason"), data.get("pool_id")
    )


@blp.post("/<uuid:customer_id>/assign")
@blp.arguments(AssignSchema)
@blp.response(200, CustomerSchema)
def assign_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Assign a pool customer, or transfer an owned one, to a rep (managers and admins)."""
    return ownership_moves.assign(
        db_session(), current_principal(), customer_id, data["owner_id"], data.get("reason")
    )


@blp.post("/<uuid:customer_id>/lock")
@blp.arguments(LockSchema, required=False)
@blp.response(200, CustomerSchema)
def lock_customer(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Protect a customer from recycling (up to the pool's cap per owner)."""
    return ownership_moves.set_lock(
        db_session(), current_principal(), customer_id, True, (data or {}).get("reason")
    )


@blp.delete("/<uuid:customer_id>/lock")
@blp.response(200, CustomerSchema)
def unlock_customer(customer_id: uuid.UUID) -> Any:
    """Let the recycling rules apply to the customer again."""
    return ownership_moves.set_lock(db_session(), current_principal(), customer_id, False, None)


@blp.post("/<uuid:customer_id>/archive")
@blp.response(200, CustomerSchema)
def archive_customer(customer_id: uuid.UUID) -> Any:
    """Archive a customer: out of the default lists, not claimed, assigned or recycled."""
    return retention.archive_customer(db_session(), current_principal(), customer_id)


@blp.post("/<uuid:customer_id>/restore")
@blp.response(200, CustomerSchema)
def restore_customer(customer_id: uuid.UUID) -> Any:
    """Bring an archived customer back."""
    return retention.restore_customer(db_session(), current_principal(), customer_id)


@blp.post("/<uuid:customer_id>/erase")
@blp.response(200, CustomerSchema)
def erase_customer(customer_id: uuid.UUID) -> Any:
    """Erase the customer's and its contacts' personal data (admins); ``customer.erased``."""
    return retention.erase_customer(db_session(), current_principal(), customer_id)
