"""Targets: allocation by managers, declaration by reps, approval, and the team overview."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import approvals, targeting
from ..models import Target
from ..schemas.targets import (
    AdjustInSchema,
    AllocationInSchema,
    DeclarationInSchema,
    OverviewArgsSchema,
    OverviewSchema,
    TargetListArgsSchema,
    TargetListSchema,
    TargetSchema,
)

blp = Blueprint(
    "compensation_targets",
    __name__,
    url_prefix="/api/v1/compensation/targets",
    description="Targets (目标/冲刺/挑战), declarations (申报) and allocation",
)


@blp.post("")
@idempotent
@blp.arguments(AllocationInSchema)
@blp.response(201, TargetSchema)
def allocate(data: dict[str, Any]) -> Target:
    """Allocate a target top-down (managers for their team and its members, admins for anyone)."""
    return targeting.allocate(db_session(), current_principal(), data)


@blp.post("/declarations")
@idempotent
@blp.arguments(DeclarationInSchema)
@blp.response(201, TargetSchema)
def declare(data: dict[str, Any]) -> Target:
    """Declare one's own target; it goes to one's manager for approval."""
    session = db_session()
    target = targeting.declare(session, current_principal(), data)
    approvals.submit_target(session, target)
    return target


@blp.get("")
@blp.arguments(TargetListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, TargetListSchema)
def list_targets(**args: Any) -> dict[str, Any]:
    """Targets of a period in the caller's scope."""
    return {"items": targeting.listing(db_session(), current_principal(), args)}


@blp.get("/overview")
@blp.arguments(OverviewArgsSchema, location="query", as_kwargs=True)
@blp.response(200, OverviewSchema)
def overview(**args: Any) -> dict[str, Any]:
    """A team's target beside its members' (allocated, declared, approved) and the gap."""
    return targeting.overview(
        db_session(), current_principal(), args.get("team_id"), args["period"], args["metric"]
    )


@blp.get("/<uuid:target_id>")
@blp.response(200, TargetSchema)
def get_target(target_id: uuid.UUID) -> Target:
    """One target."""
    return targeting.get(db_session(), current_principal(), target_id)


@blp.post("/<uuid:target_id>/adjust")
@blp.arguments(AdjustInSchema)
@blp.response(200, TargetSchema)
def adjust(data: dict[str, Any], target_id: uuid.UUID) -> Target:
    """The approver adjusts a declaration before approving it; the reason is kept."""
    session = db_session()
    principal = current_principal()
    target = targeting.get(session, principal, target_id)
    approvals.check_may_decide(session, target, principal.id, principal.is_admin)
    targeting.adjust(target, data)
    return target
