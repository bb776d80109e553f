"""Pipelines, stages and lost reasons: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, idempotent, require_roles

from .. import pipelines
from ..models import LostReason
from ..schemas.pipelines import (
    LostReasonInSchema,
    LostReasonListSchema,
    LostReasonSchema,
    PipelineInSchema,
    PipelineListSchema,
    PipelinePatchSchema,
    PipelineSchema,
)

blp = Blueprint("pipelines", __name__, url_prefix="/api/v1/pipelines", description="Pipelines")


@blp.get("")
@blp.response(200, PipelineListSchema)
def list_pipelines() -> dict[str, Any]:
    """The pipelines the caller's team may use, default first."""
    return {"items": pipelines.list_all(db_session(), current_principal()), "next_cursor": None}


@blp.post("")
@require_roles(ADMIN)
@idempotent
@blp.arguments(PipelineInSchema)
@blp.response(201, PipelineSchema)
def create_pipeline(data: dict[str, Any]) -> dict[str, Any]:
    """A new pipeline with its ordered stages (admins)."""
    return pipelines.create(db_session(), data)


@blp.get("/<uuid:pipeline_id>")
@blp.response(200, PipelineSchema)
def get_pipeline(pipeline_id: uuid.UUID) -> dict[str, Any]:
    """One pipeline with its stages."""
    session = db_session()
    return pipelines.present(session, pipelines.get(session, current_principal(), pipeline_id))


@blp.patch("/<uuid:pipeline_id>")
@require_roles(ADMIN)
@blp.arguments(PipelinePatchSchema)
@blp.response(200, PipelineSchema)
def update_pipeline(data: dict[str, Any], pipeline_id: uuid.UUID) -> dict[str, Any]:
    """Edit a pipeline; a stage still holding deals is only deleted when another replaces it."""
    return pipelines.update(db_session(), current_principal(), pipeline_id, data)


@blp.get("/lost-reasons")
@blp.response(200, LostReasonListSchema)
def list_lost_reasons() -> dict[str, Any]:
    """The reasons a deal may be lost for."""
    return {"items": pipelines.lost_reasons(db_session()), "next_cursor": None}


@blp.post("/lost-reasons")
@require_roles(ADMIN)
@idempotent
@blp.arguments(LostReasonInSchema)
@blp.response(201, LostReasonSchema)
def add_lost_reason(data: dict[str, Any]) -> LostReason:
    """Add a lost reason (admins)."""
    return pipelines.add_lost_reason(db_session(), data["name"])


@blp.delete("/lost-reasons/<uuid:reason_id>")
@require_roles(ADMIN)
@blp.response(204)
def retire_lost_reason(reason_id: uuid.UUID) -> None:
    """Take a reason off the list (admins)."""
    pipelines.retire_lost_reason(db_session(), reason_id)
