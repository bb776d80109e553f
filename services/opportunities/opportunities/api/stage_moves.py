"""Stage moves, win, lose, reopen and history: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session

from .. import stage_moves
from ..schemas.deals import OpportunitySchema
from ..schemas.stage_moves import HistorySchema, LoseSchema, MoveSchema, ReopenSchema

blp = Blueprint(
    "stage_moves", __name__, url_prefix="/api/v1/opportunities", description="Stage moves"
)


@blp.post("/<uuid:opportunity_id>/stage")
@blp.arguments(MoveSchema)
@blp.response(200, OpportunitySchema)
def move_stage(data: dict[str, Any], opportunity_id: uuid.UUID) -> dict[str, Any]:
    """Move the deal to another open stage (entry requirements checked)."""
    return stage_moves.move(db_session(), current_principal(), opportunity_id, data["stage_id"])


@blp.post("/<uuid:opportunity_id>/win")
@blp.response(200, OpportunitySchema)
def win_opportunity(opportunity_id: uuid.UUID) -> dict[str, Any]:
    """Win the deal: an order follows (``deal.won`` carries the lines)."""
    return stage_moves.win(db_session(), current_principal(), opportunity_id)


@blp.post("/<uuid:opportunity_id>/lose")
@blp.arguments(LoseSchema, required=False)
@blp.response(200, OpportunitySchema)
def lose_opportunity(data: dict[str, Any], opportunity_id: uuid.UUID) -> dict[str, Any]:
    """Lose the deal, with a reason from the list and an optional competitor."""
    return stage_moves.lose(db_session(), current_principal(), opportunity_id, data or {})


@blp.post("/<uuid:opportunity_id>/reopen")
@blp.arguments(ReopenSchema)
@blp.response(200, OpportunitySchema)
def reopen_opportunity(data: dict[str, Any], opportunity_id: uuid.UUID) -> dict[str, Any]:
    """A manager reopens a closed deal, with a reason."""
    return stage_moves.reopen(db_session(), current_principal(), opportunity_id, data)


@blp.get("/<uuid:opportunity_id>/history")
@blp.response(200, HistorySchema)
def opportunity_history(opportunity_id: uuid.UUID) -> dict[str, Any]:
    """Stage stays (with time in each) and amount / close-date changes."""
    return stage_moves.history(db_session(), current_principal(), opportunity_id)
