"""Routes of tiers: the summary, the thresholds, a customer's tier, recomputing."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    require_roles,
)

from .. import tier_assignment
from ..schemas.tiers import (
    RecomputeSchema,
    TierConfigSchema,
    TierExplanationSchema,
    TierSummarySchema,
)
from .customers import blp

tiers_blp = Blueprint("tiers", __name__, url_prefix="/api/v1/tiers", description="Tiers")


@tiers_blp.get("")
@tiers_blp.response(200, TierSummarySchema)
def tier_summary() -> Any:
    """How many of the caller's visible customers are in each tier."""
    return tier_assignment.tier_summary(db_session(), current_principal())


@tiers_blp.get("/config")
@tiers_blp.response(200, TierConfigSchema)
def get_tier_config() -> Any:
    """The tier thresholds in force."""
    return tier_assignment.thresholds(db_session()).to_dict()


@tiers_blp.put("/config")
@require_roles(ADMIN)
@tiers_blp.arguments(TierConfigSchema)
@tiers_blp.response(200, TierConfigSchema)
def put_tier_config(data: dict[str, Any]) -> Any:
    """Change the thresholds (values not given keep theirs); run a recomputation after."""
    return tier_assignment.set_thresholds(db_session(), current_principal(), data).to_dict()


@tiers_blp.post("/recompute")
@require_roles(ADMIN)
@tiers_blp.response(200, RecomputeSchema)
def recompute_tiers() -> Any:
    """Recompute every customer's tier now (the worker also does it on a schedule)."""
    return {"recomputed": tier_assignment.recompute(db_session())}


@blp.get("/<uuid:customer_id>/tier")
@blp.response(200, TierExplanationSchema)
def customer_tier(customer_id: uuid.UUID) -> Any:
    """The customer's tier and the figures that put it there."""
    return tier_assignment.tier_of(db_session(), current_principal(), customer_id)
