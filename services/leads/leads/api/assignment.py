"""Routes of assignment: routing rules and the members leads go to."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    require_roles,
)

from .. import assignment, members
from ..schemas.assignment import (
    AssignmentRuleInSchema,
    AssignmentRuleListSchema,
    AssignmentRuleSchema,
    MemberListSchema,
    MemberSchema,
    MemberUpdateSchema,
)

blp = Blueprint(
    "assignment", __name__, url_prefix="/api/v1/assignment-rules", description="Lead assignment"
)


@blp.get("")
@blp.response(200, AssignmentRuleListSchema)
def list_assignment_rules() -> dict[str, Any]:
    """Routing rules in the order they are tried."""
    return {"items": assignment.list_assignment_rules(db_session())}


@blp.post("")
@require_roles(ADMIN, MANAGER)
@blp.arguments(AssignmentRuleInSchema)
@blp.response(201, AssignmentRuleSchema)
def create_assignment_rule(data: dict[str, Any]) -> Any:
    """A routing rule: conditions, strategy, members, response time."""
    return assignment.save_assignment_rule(db_session(), current_principal(), data)


@blp.put("/<uuid:rule_id>")
@require_roles(ADMIN, MANAGER)
@blp.arguments(AssignmentRuleInSchema)
@blp.response(200, AssignmentRuleSchema)
def replace_assignment_rule(data: dict[str, Any], rule_id: uuid.UUID) -> Any:
    """Replace a routing rule."""
    return assignment.save_assignment_rule(db_session(), current_principal(), data, rule_id)


@blp.delete("/<uuid:rule_id>")
@require_roles(ADMIN, MANAGER)
@blp.response(204)
def delete_assignment_rule(rule_id: uuid.UUID) -> None:
    """Remove a routing rule."""
    assignment.delete_assignment_rule(db_session(), rule_id)


@blp.get("/members")
@require_roles(ADMIN, MANAGER)
@blp.response(200, MemberListSchema)
def list_members() -> dict[str, Any]:
    """Members, their settings and open-lead load."""
    return {"items": members.list_members(db_session(), current_principal())}


@blp.patch("/members/<uuid:user_id>")
@require_roles(ADMIN, MANAGER)
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
def update_member(data: dict[str, Any], user_id: uuid.UUID) -> Any:
    """Set a member's capacity, open-lead cap, or pause their intake."""
    return members.update_member(db_session(), current_principal(), user_id, data)
