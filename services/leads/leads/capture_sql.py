"""The SQL of capture: the statements that write leads, activities and events at once.

:mod:`leads.capture` decides what a capture writes; these builders write it
in as few round trips as the database allows: one statement for a single
capture on PostgreSQL (lead, first activity and event, or nothing when the
lead exists), COPY plus one statement for a large batch, and plain
multi-row inserts elsewhere (SQLite). Statements are built once and cached.
"""

from __future__ import annotations

import time
import uuid
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, column, func, literal, select, table, text, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crm_shared import outbox

from .models import Lead, LeadActivity

# The tables behind the models, as Core tables (statements below are Core).
LEADS = cast(Table, Lead.__table__)
ACTIVITIES = cast(Table, LeadActivity.__table__)
# Batches at least this large go through COPY on PostgreSQL.
COPY_THRESHOLD = 50


def uses_copy(session: Session, rows: int) -> bool:
    """Whether ``rows`` rows are written through COPY (PostgreSQL, large batches)."""
    return rows >= COPY_THRESHOLD and session.get_bind().dialect.name == "postgresql"


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LEADS)


def insert_rows(
    session: Session, fresh: list[dict[str, Any]], *, actor_id: Any, details: dict[str, Any]
) -> set[uuid.UUID]:
    """Insert new lead rows (``ON CONFLICT DO NOTHING``); the ids actually inserted."""
    # Values go as parameters, not literals in the statement, so its
    # compiled form is cached and reused on every capture.
    statement = _insert(session).on_conflict_do_nothing().returning(LEADS.c.id)
    if len(fresh) == 1:
        return set(session.execute(statement, fresh[0]).scalars())
    # Send only the columns some row fills: an import of names and emails
    # should not bind forty NULLs per row.
    used = [k for k in fresh[0] if any(row[k] is not None for row in fresh)]
    if uses_copy(session, len(fresh)):
        return copy_insert(session, fresh, used, actor_id=actor_id, details=details)
    params = [{k: row[k] for k in used} for row in fresh]
    return set(session.execute(statement, params).scalars())


def insert_retrying(
    session: Session, fresh: list[dict[str, Any]], *, actor_id: Any, details: dict[str, Any]
) -> set[uuid.UUID]:
    """Insert the new rows; a batch that deadlocks with a concurrent one is retried.

    A single row takes no savepoint (the hot path stays one statement); a
    batch runs in one so a deadlock victim retries just its insert.
    """
    if len(fresh) == 1 or session.get_bind().dialect.name != "postgresql":
        return insert_rows(session, fresh, actor_id=actor_id, details=details)
    for attempt in range(3):
        try:
            with session.begin_nested():
                return insert_rows(session, fresh, actor_id=actor_id, details=details)
        except OperationalError as exc:
            if attempt == 2 or getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


_JSON_COLUMNS = {"utm", "score_reasons"}


def copy_insert(
    session: Session,
    rows: list[dict[str, Any]],
    columns: list[str],
    *,
    actor_id: Any,
    details: dict[str, Any],
) -> set[uuid.UUID]:
    """Bulk capture on PostgreSQL, for imports and batches.

    COPY puts the rows in a scratch table; then one statement inserts the new
    leads (``ON CONFLICT DO NOTHING``: dedup against live leads included) and,
    from exactly the rows it inserted, their ``captured`` activities and
    their ``lead.captured`` events, built by the database. Per row, Python
    only prepares the COPY line.
    """
    session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS capture_scratch (LIKE leads INCLUDING DEFAULTS)"
            " ON COMMIT DELETE ROWS"
        )
    )
    session.execute(text("DELETE FROM capture_scratch"))
    outbox.copy_rows(session, "capture_scratch", columns, rows, json_columns=_JSON_COLUMNS)
    params = {"actor_id": actor_id, "details": details}
    return set(session.execute(bulk_statement(tuple(columns)), params).scalars())


_EVENT_COLUMNS = (
    "id",
    "name",
    "email",
    "phone",
    "company",
    "source",
    "channel",
    "campaign_id",
    "owner_id",
    "team_id",
    "created_at",
)


@lru_cache(maxsize=32)
def bulk_statement(columns: tuple[str, ...]) -> Any:
    """New leads from the COPY scratch table, with their activities and events (PostgreSQL)."""
    scratch = table("capture_scratch", *(column(c) for c in columns))
    order = [scratch.c[c] for c in ("email", "phone") if c in columns]
    new_leads = (
        postgresql.insert(LEADS)
        .from_select(list(columns), select(*(scratch.c[c] for c in columns)).order_by(*order))
        .on_conflict_do_nothing()
        .returning(*(LEADS.c[c] for c in _EVENT_COLUMNS))
        .cte("new_leads")
    )
    activities = (
        ACTIVITIES.insert()
        .from_select(
            ["id", "lead_id", "kind", "actor_id", "occurred_at", "details"],
            select(
                func.gen_random_uuid(),
                new_leads.c.id,
                literal("captured"),
                bindparam("actor_id", type_=ACTIVITIES.c.actor_id.type),
                new_leads.c.created_at,
                bindparam("details", type_=ACTIVITIES.c.details.type),
            ),
        )
        .cte("new_activities")
    )
    source = select(func.gen_random_uuid().label("event_id"), *new_leads.c).subquery("fresh")
    stamp = func.to_char(func.timezone("UTC", source.c.created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    data = {name: source.c[name] for name in _EVENT_COLUMNS if name not in ("id", "created_at")}
    envelope = outbox.envelope_sql(
        "lead.captured",
        {"lead_id": source.c.id, **data, "captured_at": stamp},
        event_id=source.c.event_id,
        subject=source.c.id,
        time=source.c.created_at,
        source="leads",
        traceparent=None,
    )
    events = (
        outbox.outbox.insert()
        .from_select(
            ["event_id", "event_type", "envelope", "created_at"],
            select(source.c.event_id, literal("lead.captured"), envelope, source.c.created_at),
        )
        .cte("new_events")
    )
    return select(new_leads.c.id).add_cte(activities).add_cte(events)


@lru_cache(maxsize=4)
def single_capture_statement(lead_params: tuple[str, ...]) -> Any:
    """One statement writing a new lead, its first activity and its event (PostgreSQL).

    The activity and the event are inserted only from the lead the first
    part actually inserted, so a capture that lost to an existing lead
    writes nothing and falls back to recording a touch. One round trip
    instead of three is most of what a capture costs beyond the bare insert.
    """
    lead_columns = [c.name for c in LEADS.c if c.name in lead_params]
    new_lead = (
        postgresql.insert(LEADS)
        .values({name: bindparam(f"l_{name}", type_=LEADS.c[name].type) for name in lead_columns})
        .on_conflict_do_nothing()
        .returning(LEADS.c.id)
        .cte("new_lead")
    )
    activity_columns = ["id", "lead_id", "kind", "actor_id", "occurred_at", "details"]
    activity = (
        ACTIVITIES.insert()
        .from_select(
            activity_columns,
            select(
                bindparam("a_id", type_=ACTIVITIES.c.id.type),
                new_lead.c.id,
                bindparam("a_kind", type_=ACTIVITIES.c.kind.type),
                bindparam("a_actor_id", type_=ACTIVITIES.c.actor_id.type),
                bindparam("a_occurred_at", type_=ACTIVITIES.c.occurred_at.type),
                bindparam("a_details", type_=ACTIVITIES.c.details.type),
            ),
        )
        .cte("new_activity")
    )
    event = (
        outbox.outbox.insert()
        .from_select(
            ["event_id", "event_type", "envelope", "created_at"],
            select(
                bindparam("o_event_id", type_=outbox.outbox.c.event_id.type),
                bindparam("o_event_type", type_=outbox.outbox.c.event_type.type),
                bindparam("o_envelope", type_=outbox.outbox.c.envelope.type),
                bindparam("o_created_at", type_=outbox.outbox.c.created_at.type),
            ).select_from(new_lead),
        )
        .cte("new_event")
    )
    return select(new_lead.c.id).add_cte(activity).add_cte(event)


@lru_cache(maxsize=4)
def deferred_capture_statement(lead_params: tuple[str, ...]) -> Any:
    """One ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` of a lead flagged ``capture_pending``.

    Its activity and event are derived later from the row
    (:mod:`leads.capture_events`); nothing is returned when the lead exists.
    """
    lead_columns = [c.name for c in LEADS.c if c.name in lead_params]
    return (
        postgresql.insert(LEADS)
        .values(
            {
                **{name: bindparam(f"l_{name}", type_=LEADS.c[name].type) for name in lead_columns},
                "capture_pending": true(),
            }
        )
        .on_conflict_do_nothing()
        .returning(LEADS.c.id)
    )
