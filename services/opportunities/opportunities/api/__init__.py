"""HTTP routes of opportunities, one module per capability."""

from __future__ import annotations

from typing import Any


def blueprints() -> list[Any]:
    """Every blueprint, the fixed paths before the ``/<id>`` ones."""
    from . import analytics, deals, forecast, imports, pipelines, stage_moves

    return [
        pipelines.blp,
        analytics.blp,
        forecast.blp,
        imports.blp,
        deals.blp,
        stage_moves.blp,
    ]
