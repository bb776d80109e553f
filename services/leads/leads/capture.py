"""Capture: the intake hot path shared by every channel.

A capture does the least a request must: normalise, check for an existing
lead with the same email or phone, and write the lead, its first activity
and its ``lead.captured`` event in the caller's transaction; a plain single
capture writes just the lead row, its own outbox entry, and the relay derives
the activity and the event from it (:mod:`leads.capture_events`). Scoring,
duplicate review and assignment are left to the worker
(:mod:`leads.triage`), so intake stays cheap at a campaign peak.

Dedup is race-free: live leads have unique normalised emails and phones
(partial unique indexes); a capture inserts with ``ON CONFLICT DO NOTHING``
and, when it lost to an existing or concurrently committed lead, records
the capture as a touch on that lead instead of creating a second one.
The statements themselves are built in :mod:`leads.capture_sql`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.db import utcnow
from crm_shared.errors import Conflict

from .capture_sql import (
    ACTIVITIES,
    LEADS,
    deferred_capture_statement,
    insert_retrying,
    single_capture_statement,
    uses_copy,
)
from .rules.lead_fields import TEXT_FIELDS
from .rules.lifecycle import REOPENED_STATUS, reopens_on_return
from .rules.normalise import duplicate_key

# Every column a capture writes, so multi-row inserts have one shape.
_COPIED = (*TEXT_FIELDS, "company_size")


@dataclass(frozen=True)
class Context:
    """Where a capture came from and who owns the result."""

    channel: str
    actor_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    auto_assign: bool = False
    source: str | None = None
    campaign_id: uuid.UUID | None = None
    source_id: uuid.UUID | None = None
    utm: dict[str, Any] | None = None
    form: bool = False  # a prospect filled a form (counts as behaviour for scoring)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the import job


@dataclass(frozen=True)
class Captured:
    """What became of one capture: the lead it landed on and whether it is new."""

    lead_id: uuid.UUID
    created: bool
    row: dict[str, Any] | None = None  # the inserted values, for answering at once


def _row(values: dict[str, Any], ctx: Context, now: datetime) -> dict[str, Any]:
    row = {key: values.get(key) for key in _COPIED}
    row.update(
        id=uuid.uuid4(),
        source=values.get("source") or ctx.source,
        channel=values.get("channel") or ctx.channel,
        campaign_id=values.get("campaign_id") or ctx.campaign_id,
        source_id=ctx.source_id,
        utm=ctx.utm,
        status=values.get("status") or "new",
        score=0,
        score_reasons=[],
        owner_id=None if ctx.auto_assign else ctx.owner_id,
        team_id=None if ctx.auto_assign else ctx.team_id,
        assigned_at=None if ctx.auto_assign or ctx.owner_id is None else now,
        phone_verified=values.get("phone_verified", True),
        touches=1,
        needs_processing=True,
        auto_assign=ctx.auto_assign or ctx.owner_id is None,
        duplicate_key=duplicate_key(values.get("name"), values.get("company")),
        created_by=ctx.actor_id,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    # Imported history may arrive already closed; it keeps that status (no event).
    row["qualified_at"] = now if row["status"] == "qualified" else None
    row["disqualified_at"] = now if row["status"] == "disqualified" else None
    row["disqualified_reason"] = "imported as disqualified" if row["disqualified_at"] else None
    return row


# The columns every capture writes (the single-statement path binds exactly these).
_LEAD_PARAMS = tuple(_row({"name": ""}, Context(channel="api"), utcnow()))


def captured_event(row: dict[str, Any]) -> dict[str, Any]:
    """The ``lead.captured`` data for a new lead."""
    return {
        "lead_id": row["id"],
        "name": row["name"],
        "email": row["email"],
        "phone": row["phone"],
        "company": row["company"],
        "source": row["source"],
        "channel": row["channel"],
        "campaign_id": row["campaign_id"],
        "owner_id": row["owner_id"],
        "team_id": row["team_id"],
        "captured_at": row["created_at"],
    }


def _details(ctx: Context) -> dict[str, Any]:
    details: dict[str, Any] = {"channel": ctx.channel}
    if ctx.source:
        details["source"] = ctx.source
    if ctx.campaign_id:
        details["campaign_id"] = str(ctx.campaign_id)
    if ctx.form:
        details["form"] = True
    if ctx.utm:
        details["utm"] = ctx.utm
    details.update(ctx.extra)
    return details


def _activity(result: Captured, row: dict[str, Any], ctx: Context, now: datetime) -> dict[str, Any]:
    if result.created:
        return {
            "id": uuid.uuid4(),
            "lead_id": result.lead_id,
            "kind": "captured",
            "note": None,
            "actor_id": ctx.actor_id,
            "occurred_at": now,
            "next_step": None,
            "next_step_at": None,
            "details": _details(ctx),
        }
    submitted = {k: row[k] for k in _COPIED if row.get(k) is not None}
    return {
        "id": uuid.uuid4(),
        "lead_id": result.lead_id,
        "kind": "touch",
        "note": "captured again; merged into this lead",
        "actor_id": ctx.actor_id,
        "occurred_at": now,
        "next_step": None,
        "next_step_at": None,
        "details": {**_details(ctx), "submitted": submitted},
    }


def defers_events(row: dict[str, Any], ctx: Context) -> bool:
    """Whether this capture's activity and event can be derived from its row alone.

    A plain API capture's are (see :mod:`leads.capture_events`); a form's or
    a campaign link's carry context the row does not keep, so those are
    written with the lead as before.
    """
    return _details(ctx) == {"channel": row["channel"]}


def _capture_single_postgresql(
    session: Session, values: dict[str, Any], ctx: Context
) -> Captured | None:
    """The hot path of one API or form capture; None when it met an existing lead."""
    now = utcnow()
    row = _row(values, ctx, now)
    created = Captured(row["id"], True, row)
    params = {f"l_{name}": row[name] for name in _LEAD_PARAMS}
    if defers_events(row, ctx):
        # The bare insert: the row is its own outbox entry (leads.capture_events).
        inserted = session.execute(deferred_capture_statement(_LEAD_PARAMS), params).scalar()
        return created if inserted is not None else None
    activity = _activity(created, row, ctx, now)
    params.update(
        {f"a_{k}": activity[k] for k in ("id", "kind", "actor_id", "occurred_at", "details")}
    )
    event = outbox.prepare(session, "lead.captured", captured_event(row), subject=row["id"])
    params.update({f"o_{k}": v for k, v in event.items()})
    inserted = session.execute(single_capture_statement(_LEAD_PARAMS), params).scalar()
    return created if inserted is not None else None


def build_rows(items: Sequence[dict[str, Any]], ctx: Context) -> list[dict[str, Any]]:
    """The lead rows capturing ``items`` would write: pure work, no session.

    Imports build them ahead, off the transaction, and hand them to
    :func:`capture_many`.
    """
    now = utcnow()
    return [_row(values, ctx, now) for values in items]


def capture_many(
    session: Session,
    items: Sequence[dict[str, Any]],
    ctx: Context,
    *,
    rows: list[dict[str, Any]] | None = None,
) -> list[Captured]:
    """Capture cleaned leads (see :mod:`leads.rules.normalise`); one result per item.

    Items matching a live lead, or an earlier item of the same call, by
    email or phone become touches on that lead. Everything is written in
    ``session``'s transaction with a handful of multi-row statements.
    ``rows``: the items' :func:`build_rows`, when the caller built them already.
    """
    if rows is None and len(items) == 1 and session.get_bind().dialect.name == "postgresql":
        captured = _capture_single_postgresql(session, items[0], ctx)
        if captured is not None:
            return [captured]
    if rows is None:
        rows = build_rows(items, ctx)
    now = rows[0]["created_at"] if rows else utcnow()
    # Within the call: a later item with a seen email or phone joins the first.
    first_by_key: dict[tuple[str, str], int] = {}
    same_as: dict[int, int] = {}
    for index, row in enumerate(rows):
        keys = [(k, row[k]) for k in ("email", "phone") if row[k]]
        earlier = next((first_by_key[k] for k in keys if k in first_by_key), None)
        if earlier is not None:
            same_as[index] = earlier
            continue
        for key in keys:
            first_by_key[key] = index
    # Concurrent captures take the unique-index entries in one global order
    # (email, then phone), so two batches sharing people wait for each other
    # instead of deadlocking.
    fresh = sorted(
        (row for index, row in enumerate(rows) if index not in same_as),
        key=lambda r: (r["email"] or "", r["phone"] or ""),
    )
    inserted: set[uuid.UUID] = set()
    if fresh:
        inserted = insert_retrying(session, fresh, actor_id=ctx.actor_id, details=_details(ctx))
    # Rows that lost to a live lead (committed before, or concurrently).
    lost = [row for row in fresh if row["id"] not in inserted]
    existing: dict[tuple[str, str], uuid.UUID] = {}
    if lost:
        emails = [r["email"] for r in lost if r["email"]]
        phones = [r["phone"] for r in lost if r["phone"]]
        found = session.execute(
            select(LEADS.c.id, LEADS.c.email, LEADS.c.phone).where(
                LEADS.c.merged_into_id.is_(None),
                or_(LEADS.c.email.in_(emails or [""]), LEADS.c.phone.in_(phones or [""])),
            )
        ).all()
        for lead_id, email, phone in found:
            if email:
                existing[("email", email)] = lead_id
            if phone:
                existing[("phone", phone)] = lead_id
    results: list[Captured] = []
    landed: dict[int, uuid.UUID] = {}
    for index, row in enumerate(rows):
        if index in same_as:
            target = landed[same_as[index]]
            results.append(Captured(target, False))
        elif row["id"] in inserted:
            results.append(Captured(row["id"], True, row))
        else:
            match = existing.get(("email", row["email"])) or existing.get(("phone", row["phone"]))
            if match is None:
                # The conflicting lead vanished (merged meanwhile): let the client retry.
                raise Conflict("a lead with this email or phone changed meanwhile; retry")
            results.append(Captured(match, False))
        landed[index] = results[-1].lead_id
    # The bulk statement already wrote new leads' activities and events.
    written = uses_copy(session, len(fresh))
    _record(session, rows, results, ctx, now, new_ones_written=written)
    return results


def _record(
    session: Session,
    rows: list[dict[str, Any]],
    results: list[Captured],
    ctx: Context,
    now: datetime,
    *,
    new_ones_written: bool = False,
) -> None:
    activities = []
    touched: dict[uuid.UUID, int] = {}
    for row, result in zip(rows, results, strict=True):
        if not (result.created and new_ones_written):
            activities.append(_activity(result, row, ctx, now))
        if not result.created:
            touched[result.lead_id] = touched.get(result.lead_id, 0) + 1
    if uses_copy(session, len(activities)):
        outbox.copy_rows(
            session, "lead_activities", list(activities[0]), activities, json_columns={"details"}
        )
    elif activities:
        session.execute(ACTIVITIES.insert(), activities[0] if len(activities) == 1 else activities)
    if touched:
        _reopen_returning(session, sorted(touched), ctx, now)
        # A touch is news for scoring: have the worker look at the lead again.
        session.execute(
            LEADS.update()
            .where(LEADS.c.id == bindparam("b_id"))
            .values(
                touches=LEADS.c.touches + bindparam("b_n"),
                needs_processing=True,
                last_activity_at=now,
                updated_at=now,
            ),
            [{"b_id": lead_id, "b_n": n} for lead_id, n in sorted(touched.items())],
        )
    created = [r.row for r in results if r.created and r.row is not None and not new_ones_written]
    if len(created) == 1:
        outbox.publish(
            session, "lead.captured", captured_event(created[0]), subject=created[0]["id"]
        )
    elif created:
        outbox.publish_many(
            session, "lead.captured", [(captured_event(r), r["id"]) for r in created]
        )


def _reopen_returning(
    session: Session, lead_ids: list[uuid.UUID], ctx: Context, now: datetime
) -> None:
    """A disqualified prospect who comes back reopens their lead (see docs/leads.md).

    The lead keeps its history and owner; the earlier disqualification and
    its reason stay in the activity trail. Archived and erased leads stay
    closed.
    """
    closed = session.execute(
        select(LEADS.c.id, LEADS.c.status, LEADS.c.disqualified_reason)
        .where(
            LEADS.c.id.in_(lead_ids),
            LEADS.c.archived_at.is_(None),
            LEADS.c.erased_at.is_(None),
        )
        # NO KEY UPDATE, not UPDATE: the activity rows this transaction already
        # inserted hold KEY SHARE locks on these leads, as a concurrent touch's
        # do; FOR UPDATE would wait on each other's and deadlock.
        .with_for_update(key_share=True)
    ).all()
    returning = [row for row in closed if reopens_on_return(row.status)]
    if not returning:
        return
    session.execute(
        LEADS.update()
        .where(LEADS.c.id.in_([row.id for row in returning]))
        .values(
            status=REOPENED_STATUS,
            disqualified_at=None,
            disqualified_reason=None,
            reopened_at=now,
            # Nobody owns it any more: the assignment rules route it again.
            auto_assign=or_(LEADS.c.auto_assign, LEADS.c.owner_id.is_(None)),
        )
    )
    session.execute(
        ACTIVITIES.insert(),
        [
            {
                "id": uuid.uuid4(),
                "lead_id": row.id,
                "kind": "reopened",
                "note": "the prospect came back after being disqualified",
                "actor_id": ctx.actor_id,
                "occurred_at": now,
                "next_step": None,
                "next_step_at": None,
                "details": {
                    **_details(ctx),
                    "previous_status": row.status,
                    "disqualified_reason": row.disqualified_reason,
                },
            }
            for row in returning
        ],
    )
