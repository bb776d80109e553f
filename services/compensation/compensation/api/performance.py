"""Performance figures: a rep's, a team's or the company's, against targets."""

from __future__ import annotations

from typing import Any

from crm_shared.db import utcnow
from crm_shared.web import Blueprint, current_principal, db_session, service_context

from .. import scoreboard
from ..rules.periods import month_of
from ..schemas.performance import PerformanceArgsSchema, PerformanceSchema

blp = Blueprint(
    "compensation", __name__, url_prefix="/api/v1/compensation", description="Performance"
)


@blp.get("/performance")
@blp.arguments(PerformanceArgsSchema, location="query", as_kwargs=True)
@blp.response(200, PerformanceSchema)
def performance(**args: Any) -> dict[str, Any]:
    """Won, collected, leads, customers and satisfaction for a period, with achievement."""
    args["period"] = args.get("period") or month_of(utcnow())
    return scoreboard.performance(
        db_session(), current_principal(), args, service_context().settings.extra["currency"]
    )
