"""HTTP route of the service-desk report."""

from __future__ import annotations

from typing import Any

from crm_shared.errors import ValidationFailed
from crm_shared.web import Blueprint, current_principal, db_session

from .. import reports
from ..schemas.reports import ReportArgsSchema, ReportSchema

blp = Blueprint(
    "desk_reports", __name__, url_prefix="/api/v1/tickets", description="Service-desk reports"
)


@blp.get("/reports")
@blp.arguments(ReportArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ReportSchema)
def desk_report(since: Any, until: Any, **filters: Any) -> dict[str, Any]:
    """Figures for tickets opened in the period that the caller may see."""
    if until <= since:
        raise ValidationFailed.field("until", "must be after since")
    return reports.report(db_session(), current_principal(), since, until, **filters)
