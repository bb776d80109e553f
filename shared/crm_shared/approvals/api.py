"""The approvals HTTP API, as a blueprint factory each service mounts.

``approvals_blueprint(approvals)`` serves, under ``/api/v1/<service>/approvals``:

- ``GET /flows``, ``GET|PUT|DELETE /flows/<kind>``: the flows (admins change them);
- ``GET ?mine=pending``: what the caller may decide now;
- ``GET /<id>``: one request with its steps and decisions;
- ``POST /<id>/approve|reject|withdraw`` with ``{"comment": ...}``;
- ``GET /documents/<kind>/<document_id>``: every round of one document.

A document is submitted by its own service's route (it knows the facts).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..auth import ADMIN
from ..errors import NotFound
from ..web import Blueprint, current_principal, db_session, require_roles
from .engine import Approvals
from .schemas import (
    DecisionInSchema,
    FlowInSchema,
    FlowListSchema,
    FlowSchema,
    HistorySchema,
    RequestListArgsSchema,
    RequestPageSchema,
    RequestSchema,
)


def approvals_blueprint(approvals: Approvals) -> Blueprint:
    """The approvals routes of ``approvals``' service."""
    blp = Blueprint(
        f"{approvals.service}_approvals",
        __name__,
        url_prefix=approvals.path,
        description="Approval flows, requests and decisions",
    )

    @blp.get("/flows")
    @blp.response(200, FlowListSchema)
    def list_flows() -> dict[str, Any]:
        """Every document kind taking approvals here, with its flow."""
        return {"items": approvals.flows(db_session())}

    @blp.get("/flows/<kind>")
    @blp.response(200, FlowSchema)
    def get_flow(kind: str) -> dict[str, Any]:
        """The flow of one document kind."""
        approvals._kind(kind)
        found = approvals.flow(db_session(), kind)
        if found is None:
            raise NotFound(f"no flow is configured for {kind!r}")
        return found

    @blp.put("/flows/<kind>")
    @require_roles(ADMIN)
    @blp.arguments(FlowInSchema)
    @blp.response(200, FlowSchema)
    def put_flow(data: dict[str, Any], kind: str) -> dict[str, Any]:
        """Define or replace the flow of a document kind (admins)."""
        return approvals.define_flow(db_session(), kind, data, current_principal().id)

    @blp.delete("/flows/<kind>")
    @require_roles(ADMIN)
    @blp.response(204)
    def delete_flow(kind: str) -> None:
        """Stop approving a document kind (admins); pending requests finish on their own plan."""
        if not approvals.remove_flow(db_session(), kind):
            raise NotFound(f"no flow is configured for {kind!r}")

    @blp.get("")
    @blp.arguments(RequestListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, RequestPageSchema)
    def list_requests(**args: Any) -> dict[str, Any]:
        """Requests the caller may decide now (``mine=pending``), longest waiting first."""
        items, cursor = approvals.pending_for(
            db_session(), current_principal().id, limit=args["limit"], cursor=args.get("cursor")
        )
        return {"items": items, "next_cursor": cursor}

    def _visible(request_id: uuid.UUID) -> dict[str, Any]:
        principal = current_principal()
        view = approvals.request(db_session(), request_id)
        if not approvals.may_see(view, principal.id, is_admin=principal.is_admin):
            raise NotFound("no such approval request")
        return view

    @blp.get("/<uuid:request_id>")
    @blp.response(200, RequestSchema)
    def get_request(request_id: uuid.UUID) -> dict[str, Any]:
        """One request with its steps, who may act now and every decision."""
        return _visible(request_id)

    def _decide(request_id: uuid.UUID, action: str, data: dict[str, Any]) -> dict[str, Any]:
        _visible(request_id)
        principal = current_principal()
        return approvals.decide(
            db_session(),
            request_id,
            principal.id,
            action,
            data.get("comment"),
            is_admin=principal.is_admin,
        )

    @blp.post("/<uuid:request_id>/approve")
    @blp.arguments(DecisionInSchema)
    @blp.response(200, RequestSchema)
    def approve(data: dict[str, Any], request_id: uuid.UUID) -> dict[str, Any]:
        """Approve the current step (only a current approver may)."""
        return _decide(request_id, "approve", data)

    @blp.post("/<uuid:request_id>/reject")
    @blp.arguments(DecisionInSchema)
    @blp.response(200, RequestSchema)
    def reject(data: dict[str, Any], request_id: uuid.UUID) -> dict[str, Any]:
        """Reject the request; a comment is required."""
        return _decide(request_id, "reject", data)

    @blp.post("/<uuid:request_id>/withdraw")
    @blp.arguments(DecisionInSchema)
    @blp.response(200, RequestSchema)
    def withdraw(data: dict[str, Any], request_id: uuid.UUID) -> dict[str, Any]:
        """The submitter withdraws a pending request."""
        return _decide(request_id, "withdraw", data)

    @blp.get("/documents/<kind>/<uuid:document_id>")
    @blp.response(200, HistorySchema)
    def history(kind: str, document_id: uuid.UUID) -> dict[str, Any]:
        """Every approval round of one document, first first."""
        approvals._kind(kind)
        principal = current_principal()
        items = [
            v
            for v in approvals.history(db_session(), kind, document_id)
            if approvals.may_see(v, principal.id, is_admin=principal.is_admin)
        ]
        return {"items": items}

    return blp
