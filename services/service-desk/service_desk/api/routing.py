"""HTTP routes of routing: groups, their agents, rules, and reassignment."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER, SERVICE_AGENT
from crm_shared.web import Blueprint, current_principal, db_session, idempotent, require_roles

from .. import routing
from ..models import GroupAgent, RoutingRuleRow, SupportGroup
from ..schemas.routing import (
    AgentInSchema,
    AgentListSchema,
    AgentSchema,
    GroupInSchema,
    GroupListSchema,
    GroupSchema,
    ReassignSchema,
    RuleInSchema,
    RuleListSchema,
    RuleSchema,
)
from ..schemas.tickets import TicketDetailSchema
from .tickets import detail

blp = Blueprint(
    "routing", __name__, url_prefix="/api/v1/tickets", description="Groups, agents and routing"
)


@blp.post("/groups")
@require_roles(ADMIN)
@idempotent
@blp.arguments(GroupInSchema)
@blp.response(201, GroupSchema)
def create_group(data: dict[str, Any]) -> SupportGroup:
    """Keep a support group (by product or region) with its strategy and cap per agent."""
    return routing.create_group(db_session(), data)


@blp.get("/groups")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.response(200, GroupListSchema)
def list_groups() -> dict[str, Any]:
    """Every group."""
    return {"items": routing.list_groups(db_session())}


@blp.put("/groups/<uuid:group_id>/agents/<uuid:user_id>")
@require_roles(ADMIN)
@blp.arguments(AgentInSchema)
@blp.response(200, AgentSchema)
def set_agent(data: dict[str, Any], group_id: uuid.UUID, user_id: uuid.UUID) -> GroupAgent:
    """Add an agent to a group, or change their skills and availability."""
    return routing.set_agent(db_session(), group_id, user_id, data)


@blp.get("/groups/<uuid:group_id>/agents")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.response(200, AgentListSchema)
def list_agents(group_id: uuid.UUID) -> dict[str, Any]:
    """A group's agents."""
    routing.group(db_session(), group_id)
    return {"items": routing.agents_of(db_session(), group_id)}


@blp.post("/routing-rules")
@require_roles(ADMIN)
@idempotent
@blp.arguments(RuleInSchema)
@blp.response(201, RuleSchema)
def create_rule(data: dict[str, Any]) -> RoutingRuleRow:
    """Keep a rule sending matching tickets to a group."""
    return routing.create_rule(db_session(), data)


@blp.get("/routing-rules")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.response(200, RuleListSchema)
def list_rules() -> dict[str, Any]:
    """Every rule in the order they are tried."""
    return {"items": routing.list_rules(db_session())}


@blp.post("/<uuid:ticket_id>/assign")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.arguments(ReassignSchema)
@blp.response(200, TicketDetailSchema)
def reassign(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Give a ticket to another group or agent, with a reason (publishes ticket.assigned)."""
    routing.reassign(db_session(), current_principal(), ticket_id, data)
    return detail(ticket_id)
