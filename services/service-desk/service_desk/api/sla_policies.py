"""HTTP routes of SLA policies (admins edit; agents read)."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, SERVICE_AGENT
from crm_shared.web import Blueprint, db_session, idempotent, require_roles

from .. import sla
from ..models import Policy
from ..schemas.sla_policies import PolicyInSchema, PolicyListSchema, PolicySchema

blp = Blueprint(
    "sla_policies", __name__, url_prefix="/api/v1/sla-policies", description="SLA policies"
)


@blp.post("")
@require_roles(ADMIN)
@idempotent
@blp.arguments(PolicyInSchema)
@blp.response(201, PolicySchema)
def create_policy(data: dict[str, Any]) -> Policy:
    """Keep a policy; the first active one (by position) matching a ticket applies."""
    return sla.create_policy(db_session(), data)


@blp.get("")
@require_roles(ADMIN, SERVICE_AGENT)
@blp.response(200, PolicyListSchema)
def list_policies() -> dict[str, Any]:
    """Every policy in the order they are tried."""
    return {"items": sla.list_policies(db_session())}


@blp.put("/<uuid:policy_id>")
@require_roles(ADMIN)
@blp.arguments(PolicyInSchema)
@blp.response(200, PolicySchema)
def replace_policy(data: dict[str, Any], policy_id: uuid.UUID) -> Policy:
    """Replace a policy's conditions and targets."""
    return sla.update_policy(db_session(), policy_id, data)
