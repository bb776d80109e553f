"""HTTP routes of the opportunities service: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from . import commands
from .models import Opportunity
from .schemas import (
    LoseSchema,
    OpportunityInSchema,
    OpportunityListArgsSchema,
    OpportunityPageSchema,
    OpportunitySchema,
)

blp = Blueprint(
    "opportunities", __name__, url_prefix="/api/v1/opportunities", description="Opportunities"
)


@blp.post("")
@idempotent
@blp.arguments(OpportunityInSchema)
@blp.response(201, OpportunitySchema)
def create_opportunity(data: dict[str, Any]) -> Opportunity:
    """Open an opportunity for a customer (honours Idempotency-Key)."""
    return commands.create(db_session(), current_principal(), data)


@blp.get("")
@blp.arguments(OpportunityListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, OpportunityPageSchema)
def list_opportunities(**args: Any) -> dict[str, Any]:
    """Opportunities in the caller's scope, newest first."""
    items, cursor = commands.list_page(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:opportunity_id>")
@blp.response(200, OpportunitySchema)
def get_opportunity(opportunity_id: uuid.UUID) -> Opportunity:
    """One opportunity."""
    return commands.get(db_session(), current_principal(), opportunity_id)


@blp.post("/<uuid:opportunity_id>/win")
@blp.response(200, OpportunitySchema)
def win_opportunity(opportunity_id: uuid.UUID) -> Opportunity:
    """Win the deal: an order follows."""
    return commands.win(db_session(), current_principal(), opportunity_id)


@blp.post("/<uuid:opportunity_id>/lose")
@blp.arguments(LoseSchema, required=False)
@blp.response(200, OpportunitySchema)
def lose_opportunity(data: dict[str, Any], opportunity_id: uuid.UUID) -> Opportunity:
    """Lose the deal, with a reason."""
    return commands.lose(
        db_session(), current_principal(), opportunity_id, (data or {}).get("reason")
    )
