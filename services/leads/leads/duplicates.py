"""Duplicates: likely pairs flagged for review, merged into one, or dismissed.

Exact matches by email or phone never become two leads (capture makes them
touches); same name and company (:func:`leads.rules.normalise.duplicate_key`)
is only likely, so a person decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, ValidationFailed

from .access import get_lead
from .models import Lead, LeadActivity
from .rules.lead_fields import FILLABLE_FIELDS
from .rules.normalise import duplicate_key


def duplicate_candidates(session: Session, leads: Sequence[Lead]) -> dict[str, list]:
    """(created_at, id) of live leads sharing each lead's name-and-company key, oldest first."""
    keys = {lead.duplicate_key for lead in leads if lead.duplicate_key}
    found: dict[str, list[tuple[datetime, uuid.UUID]]] = {}
    if not keys:
        return found
    with session.no_autoflush:
        rows = session.execute(
            select(Lead.duplicate_key, Lead.created_at, Lead.id).where(
                Lead.duplicate_key.in_(keys), Lead.merged_into_id.is_(None)
            )
        )
        for key, created_at, lead_id in rows:
            if key is not None:
                found.setdefault(key, []).append((created_at, lead_id))
    for entries in found.values():
        entries.sort()
    return found


def flag_duplicate(session: Session, lead: Lead, candidates: dict[str, list] | None = None) -> None:
    """Point a lead at an older live lead with the same name and company, for review."""
    if not lead.duplicate_key or lead.possible_duplicate_of is not None:
        return
    if candidates is None:
        candidates = duplicate_candidates(session, [lead])
    other = next(
        (
            lead_id
            for created_at, lead_id in candidates.get(lead.duplicate_key, [])
            if lead_id != lead.id and created_at <= lead.created_at
        ),
        None,
    )
    if other is not None:
        lead.possible_duplicate_of = other
        session.add(
            LeadActivity(
                lead_id=lead.id,
                kind="duplicate_flagged",
                note="same name and company as another lead; review and merge if so",
                details={"other_id": str(other)},
            )
        )


def merge_leads(
    session: Session, principal: Principal, lead_id: uuid.UUID, other_id: uuid.UUID
) -> Lead:
    """Fold ``other`` into ``lead``: one lead, both histories, blanks filled from the other."""
    if lead_id == other_id:
        raise ValidationFailed.field("other_id", "is this same lead")
    # Lock in id order so two opposite merges cannot deadlock.
    first, second = sorted([lead_id, other_id])
    locked = {first: get_lead(session, principal, first, lock=True)}
    locked[second] = get_lead(session, principal, second, lock=True)
    lead, other = locked[lead_id], locked[other_id]
    for one in (lead, other):
        if one.merged_into_id is not None:
            raise Conflict("lead was already merged", lead_id=str(one.id))
    now = utcnow()
    snapshot = {
        k: (str(v) if isinstance(v, uuid.UUID) else v)
        for k, v in ((name, getattr(other, name)) for name in ("name", *FILLABLE_FIELDS, "status"))
    }
    other.merged_into_id = lead.id
    other.updated_at = now
    session.flush()  # free the other's email and phone for the survivor
    filled = []
    for name in FILLABLE_FIELDS:
        if getattr(lead, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(lead, name, getattr(other, name))
            filled.append(name)
    session.execute(
        update(LeadActivity)
        .where(LeadActivity.lead_id == other.id)
        .values(lead_id=lead.id)
        .execution_options(synchronize_session=False)
    )
    lead.touches += other.touches
    if lead.possible_duplicate_of == other.id:
        lead.possible_duplicate_of = None
    lead.duplicate_key = duplicate_key(lead.name, lead.company)
    lead.needs_processing = True
    lead.updated_at = now
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="merged",
            actor_id=principal.id,
            occurred_at=now,
            note=f"merged lead {other.id} into this one",
            details={"other_id": str(other.id), "other": snapshot, "filled": filled},
        )
    )
    session.add(
        LeadActivity(
            lead_id=other.id,
            kind="merged_into",
            actor_id=principal.id,
            occurred_at=now,
            details={"into_id": str(lead.id)},
        )
    )
    session.execute(
        update(Lead)
        .where(Lead.possible_duplicate_of == other.id, Lead.merged_into_id.is_(None))
        .values(possible_duplicate_of=lead.id)
        .execution_options(synchronize_session=False)
    )
    return lead


def dismiss_duplicate(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """The flagged pair are different people: clear the flag."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.possible_duplicate_of is None:
        return lead
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="duplicate_dismissed",
            actor_id=principal.id,
            details={"other_id": str(lead.possible_duplicate_of)},
        )
    )
    lead.possible_duplicate_of = None
    lead.updated_at = utcnow()
    return lead
