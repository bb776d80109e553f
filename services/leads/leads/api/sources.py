"""Routes of lead sources: capture points and their form keys."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.schemas import PageArgsSchema
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    require_roles,
)

from .. import configuration
from ..schemas.sources import (
    SourceInSchema,
    SourcePageSchema,
    SourcePatchSchema,
    SourceSchema,
)

blp = Blueprint(
    "lead_sources", __name__, url_prefix="/api/v1/lead-sources", description="Lead sources"
)


@blp.post("")
@require_roles(ADMIN, MANAGER)
@blp.arguments(SourceInSchema)
@blp.response(201, SourceSchema)
def create_source(data: dict[str, Any]) -> Any:
    """A capture point with its form key (shown in this answer only)."""
    return configuration.create_source(db_session(), current_principal(), data)


@blp.get("")
@require_roles(ADMIN, MANAGER)
@blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@blp.response(200, SourcePageSchema)
def list_sources(**args: Any) -> dict[str, Any]:
    """Capture points."""
    items, cursor = configuration.list_sources(db_session(), args)
    return {"items": items, "next_cursor": cursor}


@blp.patch("/<uuid:source_id>")
@require_roles(ADMIN, MANAGER)
@blp.arguments(SourcePatchSchema(partial=True))
@blp.response(200, SourceSchema)
def update_source(data: dict[str, Any], source_id: uuid.UUID) -> Any:
    """Change a capture point (origins, limits, campaign, active)."""
    return configuration.update_source(db_session(), source_id, data)


@blp.post("/<uuid:source_id>/rotate-key")
@require_roles(ADMIN, MANAGER)
@blp.response(200, SourceSchema)
def rotate_key(source_id: uuid.UUID) -> Any:
    """A new form key; the old one stops working."""
    return configuration.rotate_key(db_session(), source_id)
