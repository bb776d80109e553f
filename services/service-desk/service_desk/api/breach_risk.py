"""HTTP route of breach prediction, for leads to reassign before the clock runs out."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import ADMIN, MANAGER, SERVICE_AGENT
from crm_shared.web import Blueprint, current_principal, db_session, require_roles

from .. import breach_risk
from ..schemas.breach_risk import RiskListSchema

blp = Blueprint(
    "breach_risk", __name__, url_prefix="/api/v1/tickets", description="Breach prediction"
)


@blp.get("/breach-risk")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.response(200, RiskListSchema)
def breach_risk_list() -> dict[str, Any]:
    """Running SLA clocks of open tickets with their chance of breaching and the reasons,
    riskiest first; ``accuracy`` says how often the prediction was right so far."""
    return breach_risk.at_risk(db_session(), current_principal())
