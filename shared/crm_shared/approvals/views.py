"""How an approval request reads: its steps, who may act now, and every decision."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import rules
from .tables import approval_decisions


def request_view(
    session: Session,
    row: Any,
    *,
    service: str,
    path: str,
    document_path: Callable[[uuid.UUID], str] | None,
) -> dict[str, Any]:
    """A stored request (``row``) as the API and the inbox show it."""
    state = rules.RequestState.from_dict(row.state)
    steps = []
    for position, planned in enumerate(state.plan):
        if position < state.position or state.status == rules.APPROVED:
            status = "approved"
        elif position == state.position:
            status = {rules.PENDING: "current"}.get(state.status, state.status)
        else:
            status = "waiting" if state.status == rules.PENDING else "not_reached"
        steps.append({**planned.to_dict(), "status": status})
    decisions = session.execute(
        select(approval_decisions)
        .where(approval_decisions.c.request_id == row.id)
        .order_by(approval_decisions.c.at, approval_decisions.c.action.desc())
    ).all()
    return {
        "id": row.id,
        "service": service,
        "kind": row.kind,
        "document_id": row.document_id,
        "document_path": document_path(row.document_id) if document_path else None,
        "title": row.title,
        "round": row.round,
        "status": row.status,
        "submitter_id": row.submitter_id,
        "submitted_at": row.submitted_at,
        "decided_at": row.decided_at,
        "facts": row.facts,
        "steps": steps,
        "may_act": list(rules.may_act(state)),
        "decide_url": f"{path}/{row.id}",
        "decisions": [
            {
                "action": d.action,
                "actor_id": d.actor_id,
                "step_index": d.step_index,
                "step_name": d.step_name,
                "comment": d.comment,
                "at": d.at,
            }
            for d in decisions
        ],
    }
