"""HTTP routes of the compensation service, one module per capability: parse, call, respond."""

from __future__ import annotations

from typing import Any


def blueprints() -> list[Any]:
    """Every blueprint the service serves."""
    from crm_shared.approvals.api import approvals_blueprint

    from ..approvals import APPROVALS
    from . import performance, plans, rankings, statements, targets

    return [
        performance.blp,
        targets.blp,
        plans.blp,
        statements.blp,
        rankings.blp,
        approvals_blueprint(APPROVALS),
    ]
