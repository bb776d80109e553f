"""Routes of the public pools, their customers and audit, and recycling runs."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
    require_roles,
)

from .. import ownership_limits, pool_analysis, pools, records, recycling_runs
from ..schemas.customers import CustomerPageSchema
from ..schemas.ownership import OwnershipChangePageSchema
from ..schemas.pools import (
    AuditArgsSchema,
    MyLimitSchema,
    PoolAnalyticsArgsSchema,
    PoolAnalyticsSchema,
    PoolCustomerArgsSchema,
    PoolInSchema,
    PoolListSchema,
    PoolPatchSchema,
    PoolSchema,
    RecycleInSchema,
    RecycleReportSchema,
)
from .common import page
from .customers import blp

pools_blp = Blueprint("pools", __name__, url_prefix="/api/v1/pools", description="Public pools")


@pools_blp.get("")
@pools_blp.response(200, PoolListSchema)
def list_pools() -> Any:
    """The pools the caller belongs to or runs."""
    return {"items": pools.list_pools(db_session(), current_principal())}


@pools_blp.post("")
@require_roles(ADMIN)
@idempotent
@pools_blp.arguments(PoolInSchema)
@pools_blp.response(201, PoolSchema)
def create_pool(data: dict[str, Any]) -> Any:
    """A new pool with its members, admins, hidden fields and rules (admins)."""
    return pools.create_pool(db_session(), current_principal(), data)


@pools_blp.get("/<uuid:pool_id>")
@pools_blp.response(200, PoolSchema)
def get_pool(pool_id: uuid.UUID) -> Any:
    """One pool."""
    return pools.get_pool(db_session(), current_principal(), pool_id)


@pools_blp.patch("/<uuid:pool_id>")
@pools_blp.arguments(PoolPatchSchema)
@pools_blp.response(200, PoolSchema)
def update_pool(data: dict[str, Any], pool_id: uuid.UUID) -> Any:
    """Change a pool's rules, hidden fields or members (its admins)."""
    return pools.update_pool(db_session(), current_principal(), pool_id, data)


@pools_blp.get("/<uuid:pool_id>/customers")
@pools_blp.arguments(PoolCustomerArgsSchema, location="query", as_kwargs=True)
@pools_blp.response(200, CustomerPageSchema)
def pool_customers(pool_id: uuid.UUID, **args: Any) -> Any:
    """The pool's unclaimed customers, the most valuable (or best scored) first."""
    session, principal = db_session(), current_principal()
    pools.get_pool(session, principal, pool_id)
    args.update(pool_id=pool_id, in_pool=True)
    return page(*records.list_customers(session, principal, args))


@pools_blp.get("/<uuid:pool_id>/audit")
@pools_blp.arguments(AuditArgsSchema, location="query", as_kwargs=True)
@pools_blp.response(200, OwnershipChangePageSchema)
def pool_audit(pool_id: uuid.UUID, **args: Any) -> Any:
    """Who claimed, released, was recycled or assigned in the pool, when and why."""
    return page(*pools.audit(db_session(), current_principal(), pool_id, args))


@blp.post("/pool/recycle")
@blp.arguments(RecycleInSchema, required=False)
@blp.response(200, RecycleReportSchema)
def recycle(data: dict[str, Any]) -> Any:
    """Apply the pools' recycling rules now (admins; a pool's admins for their pool)."""
    data = data or {}
    return recycling_runs.recycle_now(
        db_session(), current_principal(), data.get("pool_id"), bool(data.get("dry_run"))
    )


@blp.get("/pool/analytics")
@require_roles(ADMIN, MANAGER)
@blp.arguments(PoolAnalyticsArgsSchema, location="query")
@blp.response(200, PoolAnalyticsSchema)
def pool_analytics(args: dict[str, Any]) -> Any:
    """Customers in pools, claims and recycles per week, median time to claim, wins by reason."""
    if "from_" in args:
        args["from"] = args.pop("from_")
    return pool_analysis.analytics(db_session(), current_principal(), args)


@blp.get("/pool/my-limit")
@blp.response(200, MyLimitSchema)
def my_limit() -> Any:
    """The caller's ownership limit, how many they own, and their claims today per pool."""
    return ownership_limits.my_limits(db_session(), current_principal())
