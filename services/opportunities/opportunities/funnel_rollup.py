"""The funnel's per-day rollup of the stage history, kept current in the same transaction.

Every change that can alter a deal's stage history or the owner/team it is
counted under marks the deal's (pipeline, creation day) with :func:`mark`.
Just before the transaction commits, each marked day is recomputed from the
history of the deals created that day (a few hundred rows) and replaces its
rollup rows. Deals made in the transaction (an import's chunk) are only
added: :func:`mark_new` appends their counts as extra rows for the day,
since reads sum the rows, so a 100,000-deal import does not recompute its
growing day once per chunk. On PostgreSQL a transaction advisory lock per day serialises
two transactions recomputing the same day; the later one reads the earlier
one's committed rows (READ COMMITTED takes a new snapshot per statement),
so the last writer always writes the full truth.

:func:`rebuild` recomputes every day (the ``rebuild-funnel`` job runs it
daily as a safety net, and after bulk loads); the migration backfills it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from crm_shared.db import Database

from .models import FunnelReached, FunnelStay, Opportunity, StageHistory
from .rules.funnel import stay_days

_PENDING = "opportunities.funnel_days"
_NEW = "opportunities.funnel_new_deals"
Day = tuple[uuid.UUID, date]


def cohort_day(created_at: datetime) -> date:
    """The UTC day a deal was created on: the funnel's cohorts are by creation day."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return created_at.astimezone(UTC).date()


def mark(session: Session, deal: Opportunity) -> None:
    """Recompute the rollup of ``deal``'s creation day before this transaction commits."""
    session.info.setdefault(_PENDING, set()).add((deal.pipeline_id, cohort_day(deal.created_at)))


def mark_new(session: Session, deal: Opportunity) -> None:
    """Add ``deal``, made in this transaction, to its day's rollup before it commits."""
    session.info.setdefault(_NEW, {})[deal.id] = (deal.pipeline_id, cohort_day(deal.created_at))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _lock_key(pipeline_id: uuid.UUID, day: date) -> int:
    digest = hashlib.blake2b(f"funnel:{pipeline_id}:{day}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def compute(
    session: Session,
    pipeline_id: uuid.UUID | None,
    start: date,
    end: date,
    deal_ids: list[uuid.UUID] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rollup rows (reached, stays) of the deals created in [start, end), from their history.

    ``deal_ids`` narrows it to those deals (their share of the day).
    """
    where = [Opportunity.created_at >= _midnight(start), Opportunity.created_at < _midnight(end)]
    if pipeline_id is not None:
        where.append(Opportunity.pipeline_id == pipeline_id)
    if deal_ids is not None:
        where.append(Opportunity.id.in_(deal_ids))
    rows = session.execute(
        select(
            Opportunity.pipeline_id,
            Opportunity.created_at,
            Opportunity.team_id,
            StageHistory.opportunity_id,
            StageHistory.to_stage_id,
            StageHistory.entered_at,
            StageHistory.left_at,
        )
        .join(StageHistory, StageHistory.opportunity_id == Opportunity.id)
        .where(*where)
    )
    reached: dict[tuple[Any, ...], set[uuid.UUID]] = {}
    stays: dict[tuple[Any, ...], int] = {}
    for pipeline, created, team, deal_id, stage, entered, left in rows:
        day = cohort_day(created)
        for key in ((pipeline, "all", day, None, stage), (pipeline, "team", day, team, stage)):
            reached.setdefault(key, set()).add(deal_id)
            if left is not None:
                slot = (*key, stay_days((left - entered).total_seconds()))
                stays[slot] = stays.get(slot, 0) + 1
    names = ("pipeline_id", "grain", "day", "team_id", "stage_id")
    return (
        [
            {"id": uuid.uuid4(), **dict(zip(names, key, strict=True)), "deals": len(ids)}
            for key, ids in reached.items()
        ],
        [
            {
                "id": uuid.uuid4(),
                **dict(zip(names, key[:5], strict=True)),
                "days": key[5],
                "stays": n,
            }
            for key, n in stays.items()
        ],
    )


def _write(session: Session, reached: list[dict[str, Any]], stays: list[dict[str, Any]]) -> None:
    if reached:
        session.execute(insert(FunnelReached), reached)
    if stays:
        session.execute(insert(FunnelStay), stays)


def refresh_days(
    session: Session,
    days: Iterable[Day],
    new_deals: dict[uuid.UUID, Day] | None = None,
) -> None:
    """Replace the rollup rows of each of ``days`` with ones computed from the history,
    and add ``new_deals`` (made in this transaction) to the rollup of their days.
    """
    session.flush()
    recompute = set(days)
    added: dict[Day, list[uuid.UUID]] = {}
    for deal_id, day_of in (new_deals or {}).items():
        if day_of not in recompute:  # a recomputed day counts its new deals anyway
            added.setdefault(day_of, []).append(deal_id)
    postgres = session.get_bind().dialect.name == "postgresql"
    for pipeline_id, day in sorted(recompute | set(added), key=lambda d: (str(d[0]), d[1])):
        if postgres:  # sorted order: two transactions never wait on each other in a cycle
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(pipeline_id, day)}
            )
        end = day + timedelta(days=1)
        if (pipeline_id, day) in recompute:
            for table in (FunnelReached, FunnelStay):
                session.execute(
                    delete(table).where(table.pipeline_id == pipeline_id, table.day == day)
                )
            _write(session, *compute(session, pipeline_id, day, end))
        else:
            ids = added[(pipeline_id, day)]
            for i in range(0, len(ids), 1000):  # bounded IN lists
                _write(session, *compute(session, pipeline_id, day, end, ids[i : i + 1000]))


@event.listens_for(Session, "before_commit")
def _apply_pending(session: Session) -> None:
    days = session.info.pop(_PENDING, None)
    new_deals = session.info.pop(_NEW, None)
    if days or new_deals:
        refresh_days(session, days or (), new_deals)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_NEW, None)


# The same rollup as compute(), in one statement each: a rebuild of a
# million history rows stays in the database instead of crossing into Python.
_REBUILD_SQL = (
    """
    INSERT INTO funnel_reached (id, pipeline_id, grain, day, team_id, stage_id, deals)
    SELECT gen_random_uuid(), o.pipeline_id,
           CASE WHEN grouping(o.team_id) = 1 THEN 'all' ELSE 'team' END,
           (o.created_at AT TIME ZONE 'UTC')::date, o.team_id, h.to_stage_id,
           count(DISTINCT h.opportunity_id)
    FROM opportunities o JOIN stage_history h ON h.opportunity_id = o.id
    GROUP BY GROUPING SETS (
        (o.pipeline_id, (o.created_at AT TIME ZONE 'UTC')::date, h.to_stage_id),
        (o.pipeline_id, (o.created_at AT TIME ZONE 'UTC')::date, o.team_id, h.to_stage_id)
    )
    """,
    """
    INSERT INTO funnel_stays (id, pipeline_id, grain, day, team_id, stage_id, days, stays)
    SELECT gen_random_uuid(), pipeline_id,
           CASE WHEN grouping(team_id) = 1 THEN 'all' ELSE 'team' END,
           day, team_id, stage_id, days, count(*)
    FROM (
        SELECT o.pipeline_id, (o.created_at AT TIME ZONE 'UTC')::date AS day, o.team_id,
               h.to_stage_id AS stage_id,
               greatest(0, floor(extract(epoch FROM h.left_at - h.entered_at) / 86400))::int
                   AS days
        FROM opportunities o JOIN stage_history h ON h.opportunity_id = o.id
        WHERE h.left_at IS NOT NULL
    ) AS s
    GROUP BY GROUPING SETS ((pipeline_id, day, stage_id, days),
                            (pipeline_id, day, team_id, stage_id, days))
    """,
)


def rebuild(db: Database, _settings: Any = None) -> int:
    """The job: recompute the whole rollup from the stage history; the rows written."""
    with db.transaction() as session:
        first = session.scalar(select(func.min(Opportunity.created_at)))
        last = session.scalar(select(func.max(Opportunity.created_at)))
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            # One rebuild at a time, and none beside a day being recomputed by a move.
            session.execute(text("LOCK TABLE funnel_reached, funnel_stays IN EXCLUSIVE MODE"))
        session.execute(delete(FunnelReached))
        session.execute(delete(FunnelStay))
        if first is None or last is None:
            return 0
        if postgres:
            results: list[Any] = [session.execute(text(sql)) for sql in _REBUILD_SQL]
            return sum(int(r.rowcount) for r in results)
        written = 0
        day, end = cohort_day(first), cohort_day(last) + timedelta(days=1)
        while day < end:  # a month at a time keeps memory bounded
            upto = min(end, day + timedelta(days=31))
            reached, stays = compute(session, None, day, upto)
            _write(session, reached, stays)
            written += len(reached) + len(stays)
            day = upto
        return written
