"""A captured lead is its own outbox entry: its event and first activity, derived later.

A single capture on PostgreSQL writes only the lead row, flagged
``capture_pending`` (one ``INSERT ... RETURNING``: the bare-insert floor).
The row is the record, so the capture is durable the moment it commits;
what a capture used to write beside it, the ``captured`` activity and the
``lead.captured`` event, is a pure function of that row and is derived from
it by :func:`derive_pending`, which the outbox relay runs before each batch
(``ServiceSpec.derive_events``), many leads per statement.

Exactly once: one statement clears the flag of the rows it claims (``FOR
UPDATE SKIP LOCKED``, so concurrent relays take different rows) and inserts
their activities and events, so a row's event is derived in the transaction
that clears its flag, or not at all. The event id is derived from the lead id,
so even a relay killed between publishing and marking the row sent republishes
the same event, which consumers' inboxes drop as already seen.

Order: a lead's other events (``lead.assigned``, ``lead.qualified``,
``lead.erased``) must follow its ``lead.captured``, so whoever is about to
publish one for a lead calls :func:`derive_for` first, in its transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, false, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crm_shared import outbox
from crm_shared.db import Database

from .capture_sql import ACTIVITIES, LEADS
from .models import Lead

# Leads derived per statement by the relay; its batch of events follows.
DERIVE_BATCH = 500

_EVENT_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "source",
    "channel",
    "campaign_id",
    "owner_id",
    "team_id",
)


def event_id_of(lead_id: uuid.UUID) -> uuid.UUID:
    """A lead's ``lead.captured`` event id (as the SQL derives it): a function of the lead."""
    return uuid.UUID(hashlib.md5(f"lead.captured:{lead_id}".encode()).hexdigest())


@lru_cache(maxsize=2)
def _derive_statement(by_ids: bool) -> Any:
    """Claim flagged leads, clear the flag, and write their activities and events (PostgreSQL)."""
    pending = select(LEADS.c.id).where(LEADS.c.capture_pending.is_(True))
    if by_ids:
        pending = pending.where(LEADS.c.id.in_(bindparam("ids", expanding=True)))
    else:
        pending = pending.order_by(LEADS.c.created_at).limit(bindparam("limit"))
    pending = pending.with_for_update(skip_locked=True)
    claimed = (
        LEADS.update()
        .where(LEADS.c.id.in_(pending.scalar_subquery()), LEADS.c.capture_pending.is_(True))
        # updated_at as it was: deriving is no change to the lead (and keeps
        # the column's Python onupdate out of the statement).
        .values(capture_pending=false(), updated_at=LEADS.c.updated_at)
        .returning(
            LEADS.c.id,
            LEADS.c.created_at,
            LEADS.c.created_by,
            *(LEADS.c[name] for name in _EVENT_FIELDS),
        )
        .cte("claimed")
    )
    activities = (
        ACTIVITIES.insert()
        .from_select(
            ["id", "lead_id", "kind", "actor_id", "occurred_at", "details"],
            select(
                func.gen_random_uuid(),
                claimed.c.id,
                literal("captured"),
                claimed.c.created_by,
                claimed.c.created_at,
                # What capture.py's _details(ctx) says of a plain API capture
                # (the only kind deferred: see capture.defers_events).
                func.jsonb_build_object(literal("channel"), claimed.c.channel),
            ),
        )
        .cte("claimed_activities")
    )
    event_id = func.md5(func.concat(literal("lead.captured:"), claimed.c.id)).cast(
        outbox.outbox.c.event_id.type
    )
    stamp = func.to_char(
        func.timezone("UTC", claimed.c.created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
    )
    envelope = outbox.envelope_sql(
        "lead.captured",
        {
            "lead_id": claimed.c.id,
            **{name: claimed.c[name] for name in _EVENT_FIELDS},
            "captured_at": stamp,
        },
        event_id=event_id,
        subject=claimed.c.id,
        time=claimed.c.created_at,
        source="leads",
        traceparent=None,
    )
    events = (
        outbox.outbox.insert()
        .from_select(
            ["event_id", "event_type", "envelope", "created_at"],
            # created_at of the capture: outbox lag counts the wait for derivation too.
            select(event_id, literal("lead.captured"), envelope, claimed.c.created_at).order_by(
                claimed.c.created_at
            ),
        )
        .cte("claimed_events")
    )
    return select(func.count()).select_from(claimed).add_cte(activities).add_cte(events)


def derive_for(session: Session, lead_ids: Sequence[uuid.UUID]) -> int:
    """Derive the pending ``lead.captured`` of these leads now, in ``session``'s transaction.

    Called before publishing another event of a lead, so its ``lead.captured``
    comes first in the outbox. A no-op off PostgreSQL (nothing is deferred there).
    """
    if not lead_ids or session.get_bind().dialect.name != "postgresql":
        return 0
    return int(session.execute(_derive_statement(True), {"ids": list(lead_ids)}).scalar() or 0)


def derive_before_event(session: Session, leads: Sequence[Lead]) -> None:
    """Before publishing another event of ``leads``: derive their pending ``lead.captured``.

    Call it before changing the leads, so the derived event carries the
    lead as captured (not, say, its new owner).
    """
    pending = [lead for lead in leads if lead.capture_pending]
    if not pending:
        return
    derive_for(session, [lead.id for lead in pending])
    for lead in pending:  # as the database now has it, without reloading the row
        set_committed_value(lead, "capture_pending", False)


def derive_pending(db: Database, *, limit: int = DERIVE_BATCH, until_done: bool = True) -> int:
    """Derive the events and activities of flagged leads, ``limit`` per transaction; how many.

    The relay's hook (``ServiceSpec.derive_events``) derives one batch
    (``until_done=False``) in its own short transaction before each relay
    batch, so derivation and publication keep pace at a peak instead of a
    backlog being derived whole before any of it is sent.
    """
    if db.engine.dialect.name != "postgresql":
        return 0
    total = 0
    while True:
        with db.engine.begin() as conn:
            done = int(conn.execute(_derive_statement(False), {"limit": limit}).scalar() or 0)
        total += done
        if done < limit or not until_done:
            return total
