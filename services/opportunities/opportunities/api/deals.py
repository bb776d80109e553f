"""Opening, listing, reading and editing deals: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import deals
from ..schemas.deals import (
    OpportunityInSchema,
    OpportunityListArgsSchema,
    OpportunityPageSchema,
    OpportunityPatchSchema,
    OpportunitySchema,
)

blp = Blueprint(
    "opportunities", __name__, url_prefix="/api/v1/opportunities", description="Opportunities"
)


@blp.post("")
@idempotent
@blp.arguments(OpportunityInSchema)
@blp.response(201, OpportunitySchema)
def create_opportunity(data: dict[str, Any]) -> dict[str, Any]:
    """Open an opportunity for a customer (honours Idempotency-Key)."""
    return deals.create(db_session(), current_principal(), data)


@blp.get("")
@blp.arguments(OpportunityListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, OpportunityPageSchema)
def list_opportunities(**args: Any) -> dict[str, Any]:
    """Opportunities in the caller's scope, filtered and sorted (``?risk=high&sort=-amount``)."""
    items, cursor = deals.list_page(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:opportunity_id>")
@blp.response(200, OpportunitySchema)
def get_opportunity(opportunity_id: uuid.UUID) -> dict[str, Any]:
    """One opportunity with its contacts, lines and risk."""
    session = db_session()
    return deals.present(session, deals.get(session, current_principal(), opportunity_id))


@blp.patch("/<uuid:opportunity_id>")
@blp.arguments(OpportunityPatchSchema)
@blp.response(200, OpportunitySchema)
def update_opportunity(data: dict[str, Any], opportunity_id: uuid.UUID) -> dict[str, Any]:
    """Edit fields, contacts, lines and attribution; amount and close date keep history."""
    return deals.update(db_session(), current_principal(), opportunity_id, data)
