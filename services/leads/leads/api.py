"""HTTP routes of the leads service: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from . import commands
from .models import Lead
from .schemas import LeadInSchema, LeadListArgsSchema, LeadPageSchema, LeadSchema

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads")


@blp.post("")
@idempotent
@blp.arguments(LeadInSchema)
@blp.response(201, LeadSchema)
def create_lead(data: dict[str, Any]) -> Lead:
    """Capture a lead (honours Idempotency-Key)."""
    return commands.create_lead(db_session(), current_principal(), data)


@blp.get("")
@blp.arguments(LeadListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, LeadPageSchema)
def list_leads(**args: Any) -> dict[str, Any]:
    """Leads in the caller's scope, newest first."""
    items, cursor = commands.list_leads(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:lead_id>")
@blp.response(200, LeadSchema)
def get_lead(lead_id: uuid.UUID) -> Lead:
    """One lead."""
    return commands.get_lead(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/qualify")
@blp.response(200, LeadSchema)
def qualify_lead(lead_id: uuid.UUID) -> Lead:
    """Qualify a lead; customers and opportunities take it from here."""
    return commands.qualify_lead(db_session(), current_principal(), lead_id)
