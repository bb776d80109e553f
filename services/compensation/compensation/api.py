"""HTTP routes of the compensation service: parse, call, respond."""

from __future__ import annotations

from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, service_context

from . import commands
from .schemas import PerformanceArgsSchema, PerformanceSchema

blp = Blueprint(
    "compensation", __name__, url_prefix="/api/v1/compensation", description="Performance"
)


@blp.get("/performance")
@blp.arguments(PerformanceArgsSchema, location="query", as_kwargs=True)
@blp.response(200, PerformanceSchema)
def performance(**args: Any) -> dict[str, Any]:
    """A rep's won and collected amounts and customer satisfaction for a month."""
    return commands.performance(
        db_session(),
        current_principal(),
        args.get("owner_id"),
        args.get("period"),
        args.get("currency"),
        service_context().settings.extra["currency"],
    )
