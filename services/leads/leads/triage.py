"""Triage: the work after capture, done by the worker on flagged leads.

Scoring, duplicate review, assignment and auto-qualification of every lead
flagged ``needs_processing`` (new captures, touches, edits). The
``process-leads`` job takes them in batches with ``FOR UPDATE SKIP LOCKED``,
so any number of workers share the backlog without taking the same lead twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from crm_shared import imports
from crm_shared.config import Settings
from crm_shared.db import Database, utcnow

from . import scoring
from .assignment import active_rules, assign_by_rules
from .capture_events import derive_before_event
from .configuration import qualification_settings
from .duplicates import duplicate_candidates, flag_duplicate
from .models import Lead
from .qualification import qualify_if_due
from .rules.lifecycle import OPEN_STATUSES

log = logging.getLogger(__name__)


def process_pending(db: Database, settings: Settings | None = None, *, limit: int = 200) -> int:
    """Score, review, assign and (optionally) qualify one batch of flagged leads."""
    now = utcnow()
    with db.transaction() as session:
        leads = session.scalars(
            select(Lead)
            .where(Lead.needs_processing.is_(True))
            .order_by(Lead.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not leads:
            return 0
        # lead.captured before the lead.assigned or lead.qualified this may publish.
        derive_before_event(session, leads)
        rules = scoring.load_rules(session)
        qualification = qualification_settings(session)
        model = scoring.current_model(session) if qualification["model_enabled"] else None
        behaviour = scoring.behaviour_of(session, [lead.id for lead in leads])
        routing = active_rules(session)
        candidates = duplicate_candidates(session, leads)
        for lead in leads:
            lead.needs_processing = False
            if lead.merged_into_id is not None or lead.erased_at is not None:
                continue
            scoring.rescore(
                lead, behaviour[lead.id], rules, now, model, qualification["model_weight"]
            )
            flag_duplicate(session, lead, candidates)
            if lead.status not in OPEN_STATUSES:
                continue
            if lead.owner_id is None and lead.auto_assign and lead.archived_at is None:
                assign_by_rules(session, lead, now, rules=routing)
            qualify_if_due(session, lead, qualification)
        return len(leads)


def process_all(db: Database, settings: Settings | None = None) -> int:
    """Work through the backlog (the job's body); bounded so the job yields now and then.

    While a lead import runs it waits: the import shares this worker, and
    scoring its rows one small batch at a time as they land would slow it
    down several times over; they are scored in full batches once it ends.
    """
    if imports.in_progress(db, "leads"):
        return 0
    total = 0
    for _ in range(50):
        done = process_pending(db, settings)
        total += done
        if done == 0:
            break
    return total
