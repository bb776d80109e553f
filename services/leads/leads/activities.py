"""Activities: follow-ups and behaviour on a lead, and the lead's history.

A follow-up by the owner stops the response clock; behaviour rescores the
lead at once (and may qualify it, :mod:`leads.rules.qualification`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import scoring
from .access import get_lead
from .configuration import qualification_settings
from .models import Lead, LeadActivity
from .qualification import qualify_if_due
from .rules.assignment import stops_response_clock
from .rules.lifecycle import BEHAVIOURS, is_in_the_future, status_after_follow_up


def touched_by_follow_up(lead: Lead, kind: str, actor_id: uuid.UUID | None, now: datetime) -> None:
    """A follow-up by the owner stops the response clock."""
    if stops_response_clock(kind, actor_id, lead.owner_id, lead.first_touch_at):
        lead.first_touch_at = now
        lead.response_due_at = None


def add_activity(
    session: Session, principal: Principal, lead_id: uuid.UUID, data: dict[str, Any]
) -> LeadActivity:
    """Record a follow-up or a behaviour; the score follows at once."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.merged_into_id is not None:
        raise Conflict("lead was merged into another", merged_into_id=str(lead.merged_into_id))
    now = utcnow()
    when = data.get("occurred_at") or now
    if is_in_the_future(when, now):
        raise ValidationFailed.field("occurred_at", "is in the future")
    activity = LeadActivity(
        id=uuid.uuid4(),
        lead_id=lead.id,
        kind=data["kind"],
        note=data.get("note"),
        actor_id=principal.id,
        occurred_at=when,
        next_step=data.get("next_step"),
        next_step_at=data.get("next_step_at"),
        details={"outcome": data["outcome"]} if data.get("outcome") else {},
    )
    session.add(activity)
    lead.last_activity_at = max(lead.last_activity_at or when, when)
    if data.get("next_step") is not None or data.get("next_step_at") is not None:
        lead.next_step = data.get("next_step")
        lead.next_step_at = data.get("next_step_at")
    touched_by_follow_up(lead, data["kind"], principal.id, now)
    lead.status = status_after_follow_up(lead.status, data["kind"])
    lead.updated_at = now
    if data["kind"] in BEHAVIOURS:
        session.flush()
        rules = scoring.load_rules(session)
        behaviour = scoring.behaviour_of(session, [lead.id])[lead.id]
        settings = qualification_settings(session)
        model = scoring.current_model(session) if settings["model_enabled"] else None
        scoring.rescore(lead, behaviour, rules, now, model, settings["model_weight"])
        qualify_if_due(session, lead, settings)
    return activity


def list_activities(
    session: Session, principal: Principal, lead_id: uuid.UUID, args: dict[str, Any]
) -> tuple[list[LeadActivity], str | None]:
    """A lead's history, newest first."""
    get_lead(session, principal, lead_id)
    statement = select(LeadActivity).where(LeadActivity.lead_id == lead_id)
    keys = [
        SortKey(LeadActivity.occurred_at, "occurred_at", True),
        SortKey(LeadActivity.id, "id", True),
    ]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))
