"""Admins: automation rules, the shipped templates, dry runs, the run log, the credential."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, require_roles

from .. import automations
from ..schemas.automations import (
    CredentialInSchema,
    CredentialSchema,
    DryRunInSchema,
    DryRunSchema,
    RuleInSchema,
    RuleListSchema,
    RulePatchSchema,
    RuleSchema,
    RuleTemplateListSchema,
    RunArgsSchema,
    RunPageSchema,
)

blp = Blueprint(
    "automations",
    __name__,
    url_prefix="/api/v1/automations",
    description="Admins: when an event happens and nothing cancels it in time, do something",
)


@blp.get("/templates")
@require_roles(ADMIN)
@blp.response(200, RuleTemplateListSchema)
def list_templates() -> dict[str, Any]:
    """The shipped rules to start from (create one with ``template_key``)."""
    return {"items": automations.templates()}


@blp.get("/credential")
@require_roles(ADMIN)
@blp.response(200, CredentialSchema)
def get_credential() -> dict[str, Any]:
    """Whether the service credential for ``create_task`` is set (never the key)."""
    return automations.credential_view(db_session())


@blp.put("/credential")
@require_roles(ADMIN)
@blp.arguments(CredentialInSchema)
@blp.response(200, CredentialSchema)
def put_credential(data: dict[str, Any]) -> dict[str, Any]:
    """Set the API key ``create_task`` actions call the customers service with."""
    session = db_session()
    automations.set_service_key(session, current_principal().id, data["api_key"])
    return automations.credential_view(session)


@blp.get("")
@require_roles(ADMIN)
@blp.response(200, RuleListSchema)
def list_rules() -> dict[str, Any]:
    """Every rule, newest first."""
    return {"items": [automations.view(r) for r in automations.rules(db_session())]}


@blp.post("")
@require_roles(ADMIN)
@blp.arguments(RuleInSchema)
@blp.response(201, RuleSchema)
def create_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Save a rule. Unknown fields in conditions, a negative delay or a bad action is a 422."""
    return automations.view(automations.create(db_session(), current_principal().id, data))


@blp.get("/<uuid:rule_id>")
@require_roles(ADMIN)
@blp.response(200, RuleSchema)
def get_rule(rule_id: uuid.UUID) -> dict[str, Any]:
    """One rule."""
    return automations.view(automations.rule(db_session(), rule_id))


@blp.patch("/<uuid:rule_id>")
@require_roles(ADMIN)
@blp.arguments(RulePatchSchema)
@blp.response(200, RuleSchema)
def patch_rule(data: dict[str, Any], rule_id: uuid.UUID) -> dict[str, Any]:
    """Change a rule, or enable / disable it (a disabled rule's pending steps do not run)."""
    return automations.view(automations.update(db_session(), rule_id, data))


@blp.delete("/<uuid:rule_id>")
@require_roles(ADMIN)
@blp.response(204)
def delete_rule(rule_id: uuid.UUID) -> None:
    """Delete a rule and its run log."""
    automations.remove(db_session(), rule_id)


@blp.post("/<uuid:rule_id>/dry-run")
@require_roles(ADMIN)
@blp.arguments(DryRunInSchema)
@blp.response(200, DryRunSchema)
def dry_run(data: dict[str, Any], rule_id: uuid.UUID) -> dict[str, Any]:
    """What the rule would do with real past events, changing nothing."""
    return automations.dry_run(db_session(), rule_id, data)


@blp.get("/<uuid:rule_id>/runs")
@require_roles(ADMIN)
@blp.arguments(RunArgsSchema, location="query", as_kwargs=True)
@blp.response(200, RunPageSchema)
def list_runs(rule_id: uuid.UUID, **args: Any) -> dict[str, Any]:
    """The run log: each firing, its steps, when they fell due and what they answered."""
    items, cursor = automations.runs(db_session(), rule_id, args)
    return {"items": items, "next_cursor": cursor}
