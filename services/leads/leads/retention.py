"""Retention: archiving and restoring leads, and erasing a person's data on request.

An archived lead is out of the default lists (``?archived=true`` shows
them), is not assigned, reassigned or reopened, and comes back unchanged
when restored. Erasure is for good: an admin blanks the person's fields
(:data:`leads.rules.lead_fields.PERSONAL_FIELDS`) on the lead, on the
leads merged into it and in their history, and ``lead.erased`` tells
every other service to drop its copies.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden

from .access import get_lead
from .capture_events import derive_before_event
from .models import Lead, LeadActivity
from .rules.lead_fields import ERASED_NAME, PERSONAL_FIELDS


def archive_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """Archive a lead the caller may see (again: nothing changes)."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.archived_at is None:
        now = utcnow()
        lead.archived_at = now
        lead.response_due_at = None  # nobody is on the clock for an archived lead
        lead.updated_at = now
        session.add(
            LeadActivity(lead_id=lead.id, kind="archived", actor_id=principal.id, occurred_at=now)
        )
    return lead


def restore_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """Bring an archived lead back into the lists; an erased one stays archived."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.erased_at is not None:
        raise Conflict("an erased lead is not restored", lead_id=str(lead.id))
    if lead.archived_at is not None:
        now = utcnow()
        lead.archived_at = None
        lead.needs_processing = True  # an open unowned lead is routed again
        lead.updated_at = now
        session.add(
            LeadActivity(lead_id=lead.id, kind="restored", actor_id=principal.id, occurred_at=now)
        )
    return lead


def erase_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """An admin erases a lead's personal data (and the leads merged into it)."""
    lead = get_lead(session, principal, lead_id, lock=True)  # 404 outside scope
    if not principal.is_admin:
        raise Forbidden("only admins erase personal data")
    erase_person(session, lead.id, actor_id=principal.id)
    return lead


def erase_person(
    session: Session, lead_id: uuid.UUID, *, actor_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Blank the person's fields on ``lead_id`` and every lead merged into it.

    Publishes ``lead.erased`` for each lead erased now; leads erased before
    are left as they are (so a repeated request or event changes nothing).
    Returns the ids erased now.
    """
    now = utcnow()
    leads = session.scalars(
        select(Lead)
        .where((Lead.id == lead_id) | (Lead.merged_into_id == lead_id))
        .order_by(Lead.id)
        .with_for_update()
    ).all()
    # Their lead.captured, with what was captured, goes out before lead.erased.
    derive_before_event(session, leads)
    erased = []
    for lead in leads:
        if lead.erased_at is not None:
            continue
        _blank(lead, now)
        erased.append(lead.id)
    if not erased:
        return []
    # The history holds what was submitted (touches, merges, notes): drop it too.
    session.execute(
        update(LeadActivity)
        .where(LeadActivity.lead_id.in_(erased))
        .values(note=None, details={}, next_step=None)
        .execution_options(synchronize_session=False)
    )
    for one in erased:
        session.add(
            LeadActivity(lead_id=one, kind="erased", actor_id=actor_id, occurred_at=now, details={})
        )
        outbox.publish(session, "lead.erased", {"lead_id": one, "erased_at": now}, subject=one)
    return erased


def _blank(lead: Lead, now: datetime) -> None:
    for name in PERSONAL_FIELDS:
        setattr(lead, name, None)
    lead.name = ERASED_NAME
    lead.duplicate_key = None
    lead.possible_duplicate_of = None
    lead.phone_verified = True
    lead.erased_at = now
    lead.archived_at = lead.archived_at or now
    lead.response_due_at = None
    lead.updated_at = now
