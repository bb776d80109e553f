"""Qualification: a lead becomes worth a customer (by hand or by score) or is dropped.

Qualifying publishes ``lead.qualified`` with everything customers and
opportunities need; disqualifying publishes ``lead.disqualified`` with the
reason. When a lead qualifies by itself is :mod:`leads.rules.qualification`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict

from .access import get_lead
from .capture_events import derive_before_event
from .models import Lead, LeadActivity
from .rules.lead_fields import FILLABLE_FIELDS
from .rules.lifecycle import check_can_close
from .rules.qualification import should_auto_qualify


def qualified_event(lead: Lead, now: datetime, automatic: bool) -> dict[str, Any]:
    """Everything customers and opportunities need from a qualified lead."""
    return {
        "lead_id": lead.id,
        "name": lead.name,
        **{name: getattr(lead, name) for name in FILLABLE_FIELDS},
        "score": lead.score,
        "owner_id": lead.owner_id,
        "team_id": lead.team_id,
        "automatic": automatic,
        "qualified_at": now,
    }


def mark_qualified(
    session: Session, lead: Lead, actor_id: uuid.UUID | None, *, automatic: bool
) -> None:
    """Qualify an open lead and publish ``lead.qualified`` (caller checked it may)."""
    derive_before_event(session, [lead])  # its lead.captured goes out first
    now = utcnow()
    lead.status = "qualified"
    lead.qualified_at = now
    lead.updated_at = now
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="qualified",
            actor_id=actor_id,
            occurred_at=now,
            details={"automatic": automatic, "score": lead.score},
        )
    )
    outbox.publish(
        session, "lead.qualified", qualified_event(lead, now, automatic), subject=lead.id
    )


def qualify_if_due(session: Session, lead: Lead, settings: dict[str, Any]) -> bool:
    """Qualify ``lead`` automatically when its score says so; True when it did."""
    if not should_auto_qualify(settings, lead.status, lead.score):
        return False
    mark_qualified(session, lead, None, automatic=True)
    return True


def qualify_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """Qualify a lead and publish ``lead.qualified`` with what downstream needs."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.merged_into_id is not None:
        raise Conflict("lead was merged into another", merged_into_id=str(lead.merged_into_id))
    check_can_close(lead.status, "qualified")
    if lead.owner_id is None:
        # The customer created from it needs an owner: the one qualifying takes it.
        lead.owner_id, lead.team_id = principal.id, principal.team_id
        lead.assigned_at = utcnow()
    mark_qualified(session, lead, principal.id, automatic=False)
    return lead


def disqualify_lead(
    session: Session, principal: Principal, lead_id: uuid.UUID, reason: str
) -> Lead:
    """Disqualify a lead with a reason and publish ``lead.disqualified``."""
    lead = get_lead(session, principal, lead_id, lock=True)
    check_can_close(lead.status, "disqualified")
    derive_before_event(session, [lead])  # its lead.captured goes out first
    now = utcnow()
    lead.status = "disqualified"
    lead.disqualified_at = now
    lead.disqualified_reason = reason
    lead.updated_at = now
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="disqualified",
            note=reason,
            actor_id=principal.id,
            occurred_at=now,
        )
    )
    outbox.publish(
        session,
        "lead.disqualified",
        {
            "lead_id": lead.id,
            "reason": reason,
            "owner_id": lead.owner_id,
            "team_id": lead.team_id,
            "source": lead.source,
            "campaign_id": lead.campaign_id,
            "score": lead.score,
            "disqualified_by": principal.id,
            "disqualified_at": now,
        },
        subject=lead.id,
    )
    return lead
