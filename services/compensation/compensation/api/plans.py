"""Commission plans (admins) and deal credit splits (managers)."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, idempotent, require_roles

from .. import plans, splits
from ..models import CommissionPlan, Deal
from ..schemas.plans import DealSchema, PlanInSchema, PlanListSchema, PlanSchema, SplitsInSchema

blp = Blueprint(
    "compensation_plans",
    __name__,
    url_prefix="/api/v1/compensation",
    description="Commission plans and credit splits",
)


@blp.post("/plans")
@require_roles(ADMIN)
@idempotent
@blp.arguments(PlanInSchema)
@blp.response(201, PlanSchema)
def create_plan(data: dict[str, Any]) -> dict[str, Any]:
    """Adopt a plan: marginal tiers on achievement, cap, product rates, scorecard."""
    return plans.plan_fields(plans.create(db_session(), data))


@blp.get("/plans")
@blp.response(200, PlanListSchema)
def list_plans() -> dict[str, Any]:
    """Every plan, newest first (everyone may read how they are paid)."""
    return {"items": [plans.plan_fields(p) for p in plans.listing(db_session())]}


@blp.get("/plans/<uuid:plan_id>")
@blp.response(200, PlanSchema)
def get_plan(plan_id: uuid.UUID) -> dict[str, Any]:
    """One plan."""
    return plans.plan_fields(plans.get(db_session(), plan_id))


@blp.post("/plans/<uuid:plan_id>/deactivate")
@require_roles(ADMIN)
@blp.response(200, PlanSchema)
def deactivate_plan(plan_id: uuid.UUID) -> dict[str, Any]:
    """Retire a plan; lines it booked stay."""
    plan: CommissionPlan = plans.deactivate(db_session(), plan_id)
    return plans.plan_fields(plan)


@blp.put("/deals/<uuid:opportunity_id>/splits")
@blp.arguments(SplitsInSchema)
@blp.response(200, DealSchema)
def set_splits(data: dict[str, Any], opportunity_id: uuid.UUID) -> Deal:
    """Share a won deal's credit between reps by percent (adding up to 100)."""
    return splits.set_splits(db_session(), current_principal(), opportunity_id, data["splits"])


@blp.get("/deals/<uuid:opportunity_id>")
@blp.response(200, DealSchema)
def get_deal(opportunity_id: uuid.UUID) -> Deal:
    """A won deal as compensation sees it, with its splits."""
    return splits.get(db_session(), current_principal(), opportunity_id)
