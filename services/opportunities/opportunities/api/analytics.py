"""The funnel: parse, call, respond."""

from __future__ import annotations

from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session

from .. import funnel
from ..schemas.analytics import FunnelArgsSchema, FunnelSchema

blp = Blueprint(
    "analytics", __name__, url_prefix="/api/v1/opportunities/analytics", description="Funnel"
)


@blp.get("/funnel")
@blp.arguments(FunnelArgsSchema, location="query")
@blp.response(200, FunnelSchema)
def get_funnel(args: dict[str, Any]) -> dict[str, Any]:
    """Stages reached, conversion, median time in stage, win rate and cycle of a cohort."""
    if "from_" in args:
        args["from"] = args.pop("from_")
    return funnel.funnel(db_session(), current_principal(), args)
