"""Leaderboards and the what-if simulation."""

from __future__ import annotations

from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, service_context

from .. import scoreboard, simulation
from ..schemas.rankings import RankingArgsSchema, RankingSchema, SimulateInSchema, SimulationSchema

blp = Blueprint(
    "compensation_rankings",
    __name__,
    url_prefix="/api/v1/compensation",
    description="Rankings and plan simulation",
)


@blp.get("/rankings")
@blp.arguments(RankingArgsSchema, location="query", as_kwargs=True)
@blp.response(200, RankingSchema)
def rankings(**args: Any) -> dict[str, Any]:
    """A team's or the company's board for a metric, absolute or by achievement."""
    return scoreboard.rankings(
        db_session(), current_principal(), args, service_context().settings.extra["currency"]
    )


@blp.post("/simulate")
@blp.arguments(SimulateInSchema)
@blp.response(200, SimulationSchema)
def simulate(data: dict[str, Any]) -> dict[str, Any]:
    """What each rep would have earned under a plan over up to 24 past months."""
    return simulation.simulate(db_session(), current_principal(), data)
