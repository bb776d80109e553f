"""Weekly snapshots of every open deal, and what changed in a forecast since one."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow
from crm_shared.schemas import format_amount

from .forecasting import bounds, scoped
from .models import ForecastSnapshot, Opportunity, Stage
from .rules.forecast_changes import DealState, changes
from .rules.periods import period_of

EVERY = timedelta(days=7)


def take(session: Session, now: datetime) -> int:
    """Store every open deal's stage, amount, close date and category as of ``now``."""
    categories = {s.id: s.forecast_category for s in session.scalars(select(Stage))}
    rows = [
        {
            "id": uuid.uuid4(),
            "taken_at": now,
            "opportunity_id": d.id,
            "owner_id": d.owner_id,
            "team_id": d.team_id,
            "stage_id": d.stage_id,
            "amount": d.amount,
            "currency": d.currency,
            "expected_close_date": d.expected_close_date,
            "forecast_category": d.forecast_category_override
            or categories.get(d.stage_id, "pipeline"),
        }
        for d in session.execute(
            select(
                Opportunity.id,
                Opportunity.owner_id,
                Opportunity.team_id,
                Opportunity.stage_id,
                Opportunity.amount,
                Opportunity.currency,
                Opportunity.expected_close_date,
                Opportunity.forecast_category_override,
            ).where(Opportunity.status == "open")
        )
    ]
    for first in range(0, len(rows), 1000):
        session.execute(insert(ForecastSnapshot), rows[first : first + 1000])
    return len(rows)


def weekly(db: Database, _settings: Any = None) -> int:
    """The job: take a snapshot when the last one is a week old (or there is none)."""
    with db.transaction() as session:
        now = utcnow()
        last = session.scalar(select(func.max(ForecastSnapshot.taken_at)))
        if last is not None and now - last < EVERY:
            return 0
        return take(session, now)


def since(
    session: Session, principal: Principal, args: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """What moved in the period's forecast between the last snapshot at ``since`` and now."""
    today = today or utcnow().date()
    period = args.get("period") or period_of(today, quarterly=True)
    start, end = bounds(period)
    taken = session.scalar(
        select(func.max(ForecastSnapshot.taken_at)).where(
            ForecastSnapshot.taken_at <= args["since"]
        )
    )
    if taken is None:  # nothing that old: compare with the first snapshot after it
        taken = session.scalar(
            select(func.min(ForecastSnapshot.taken_at)).where(
                ForecastSnapshot.taken_at > args["since"]
            )
        )
    where = scoped(principal, args)
    before: dict[str, DealState] = {}
    if taken is not None:
        snapshot_scope = [w for w in scoped_snapshot(principal, args)]
        for row in session.scalars(
            select(ForecastSnapshot).where(ForecastSnapshot.taken_at == taken, *snapshot_scope)
        ):
            before[str(row.opportunity_id)] = DealState(
                "open",
                str(row.stage_id),
                row.amount,
                row.currency,
                row.expected_close_date,
                row.forecast_category,
            )
    categories = {s.id: s.forecast_category for s in session.scalars(select(Stage))}
    now: dict[str, DealState] = {}
    ids = [uuid.UUID(k) for k in before]
    current = select(Opportunity).where(*where)
    open_or_known = Opportunity.status == "open"
    if ids:
        open_or_known = open_or_known | Opportunity.id.in_(ids)
    for deal in session.scalars(current.where(open_or_known)):
        now[str(deal.id)] = DealState(
            deal.status,
            str(deal.stage_id),
            deal.amount,
            deal.currency,
            deal.expected_close_date,
            deal.forecast_category_override or categories.get(deal.stage_id, "pipeline"),
        )
    found = changes(before, now, start, end)
    for entry in found["slipped"]:
        entry["from"], entry["to"] = str(entry["from"]), str(entry["to"])
    for entry in found["amount_changed"]:
        currency = str(entry["currency"])
        for key in ("from", "to"):
            entry[key] = format_amount(entry[key], currency)  # type: ignore[arg-type]
    return {"period": period, "snapshot_taken_at": taken, **found}


def scoped_snapshot(principal: Principal, args: dict[str, Any]) -> list[Any]:
    """The caller's scope and owner/team filter, over snapshot rows."""
    from crm_shared.auth import scope_clause

    where = [scope_clause(principal, ForecastSnapshot.owner_id, ForecastSnapshot.team_id)]
    if args.get("owner_id"):
        where.append(ForecastSnapshot.owner_id == args["owner_id"])
    if args.get("team_id"):
        where.append(ForecastSnapshot.team_id == args["team_id"])
    return where
