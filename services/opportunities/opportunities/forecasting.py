"""The forecast of a period: closed won, the rep's call, stage-weighted and calibrated.

Managers' adjustments are kept beside the computed figures, never in place
of them.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from crm_shared.auth import ADMIN, MANAGER, Principal, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import Forbidden, ValidationFailed

from . import calibration
from .models import ForecastAdjustment, Opportunity, Stage
from .rules.calibration import chance_within_period
from .rules.forecast import OpenDeal, forecast_figures
from .rules.periods import parse_period


def bounds(period: str) -> tuple[date, date]:
    """A period's first day and the day after its last; 422 on ``period`` otherwise."""
    found = parse_period(period)
    if found is None:
        raise ValidationFailed.field("period", "must be a quarter (2026-Q1) or a month (2026-03)")
    return found


def midnight(day: date) -> datetime:
    """00:00 UTC of ``day``."""
    return datetime.combine(day, time(), tzinfo=UTC)


def scoped(principal: Principal, args: dict[str, Any]) -> list[Any]:
    """The WHERE conditions of the caller's scope and the owner/team filter."""
    where = [scope_clause(principal, Opportunity.owner_id, Opportunity.team_id)]
    if args.get("owner_id"):
        where.append(Opportunity.owner_id == args["owner_id"])
    if args.get("team_id"):
        where.append(Opportunity.team_id == args["team_id"])
    if args.get("pipeline_id"):
        where.append(Opportunity.pipeline_id == args["pipeline_id"])
    return where


def _won_sums(session: Session, where: list[Any]) -> list[tuple[Any, ...]]:
    """Won amounts summed per (owner, team, currency); exactly, in Python, in embedded mode."""
    keys: list[Any] = [Opportunity.owner_id, Opportunity.team_id, Opportunity.currency]
    if session.get_bind().dialect.name == "postgresql":
        rows: Any = session.execute(
            select(*keys, func.sum(Opportunity.amount)).where(*where).group_by(*keys)
        )
        return [(o, t, c, Decimal(a)) for o, t, c, a in rows]
    found: dict[tuple[Any, ...], Decimal] = {}
    plain: Any = session.execute(select(*keys, Opportunity.amount).where(*where))
    for *key, amount in plain:
        found[tuple(key)] = found.get(tuple(key), Decimal(0)) + amount
    return [(*key, amount) for key, amount in found.items()]


def _open_groups(session: Session, where: list[Any]) -> list[tuple[Any, ...]]:
    """Open deals summed per (owner, team, currency, stage, close date, category override).

    The forecast is linear in the amount, so deals alike in everything else
    are summed in SQL and priced once. Embedded mode keeps money as text:
    there they are summed here, exactly.
    """
    keys: list[Any] = [
        Opportunity.owner_id,
        Opportunity.team_id,
        Opportunity.currency,
        Opportunity.stage_id,
        Opportunity.expected_close_date,
        Opportunity.forecast_category_override,
    ]
    if session.get_bind().dialect.name == "postgresql":
        rows: Any = session.execute(
            select(*keys, func.sum(Opportunity.amount)).where(*where).group_by(*keys)
        )
        return [(o, t, c, Decimal(a), s, d, f) for o, t, c, s, d, f, a in rows]
    found: dict[tuple[Any, ...], Decimal] = {}
    plain: Any = session.execute(select(*keys, Opportunity.amount).where(*where))
    for *key, amount in plain:
        found[tuple(key)] = found.get(tuple(key), Decimal(0)) + amount
    return [(o, t, c, a, s, d, f) for (o, t, c, s, d, f), a in found.items()]


def _rows(figures: dict[str, dict[str, Decimal]]) -> list[dict[str, Any]]:
    return [{"currency": currency, **values} for currency, values in sorted(figures.items())]


def forecast(
    session: Session, principal: Principal, args: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The period's forecast for the caller's scope, in total and per owner."""
    start, end = bounds(args["period"])
    today = today or utcnow().date()
    where = scoped(principal, args)
    won_rows = _won_sums(
        session,
        [
            *where,
            Opportunity.status == "won",
            Opportunity.closed_at >= midnight(start),
            Opportunity.closed_at < midnight(end),
        ],
    )
    open_rows = _open_groups(
        session,
        [
            *where,
            Opportunity.status == "open",
            and_(Opportunity.expected_close_date >= start, Opportunity.expected_close_date < end),
        ],
    )
    stages = {s.id: s for s in session.scalars(select(Stage))}
    counts = calibration.stored_counts(session)
    closed: dict[uuid.UUID, dict[str, Decimal]] = {}
    teams: dict[uuid.UUID, uuid.UUID | None] = {}
    for owner, team, currency, amount in won_rows:
        per = closed.setdefault(owner, {})
        per[currency] = per.get(currency, Decimal(0)) + amount
        teams[owner] = team
    deals: dict[uuid.UUID, list[OpenDeal]] = {}
    as_of = max(start, today)

    # Deals of one rep, stage and close date share their probabilities: work them out once.
    @functools.cache
    def calibrated(
        owner: uuid.UUID, team: uuid.UUID | None, stage_id: uuid.UUID, close: date | None
    ) -> float:
        stage = stages[stage_id]
        chance = chance_within_period(close, as_of, end, counts.slip(owner, team))
        return counts.win_rate(owner, team, stage_id, stage.probability) * chance

    for owner, team, currency, amount, stage_id, close, override in open_rows:
        stage = stages[stage_id]
        teams.setdefault(owner, team)
        # One OpenDeal per group of deals alike: the figures are linear in the amount.
        deals.setdefault(owner, []).append(
            OpenDeal(
                amount=amount,
                currency=currency,
                category=override or stage.forecast_category,
                stage_probability=stage.probability,
                calibrated=calibrated(owner, team, stage_id, close),
            )
        )
    owners = []
    total_deals: list[OpenDeal] = []
    total_closed: dict[str, Decimal] = {}
    for owner in sorted(set(closed) | set(deals), key=str):
        owners.append(
            {
                "owner_id": owner,
                "team_id": teams.get(owner),
                "currencies": _rows(forecast_figures(deals.get(owner, []), closed.get(owner, {}))),
            }
        )
        total_deals.extend(deals.get(owner, []))
        for currency, amount in closed.get(owner, {}).items():
            total_closed[currency] = total_closed.get(currency, Decimal(0)) + amount
    return {
        "period": args["period"],
        "start": start,
        "end": end,
        "calibrated_as_of": counts.computed_at,
        "currencies": _rows(forecast_figures(total_deals, total_closed)),
        "owners": owners,
        "adjustments": adjustments(session, principal, args["period"], args),
    }


def adjustments(
    session: Session, principal: Principal, period: str, args: dict[str, Any]
) -> list[ForecastAdjustment]:
    """Managers' adjustments of the period in the caller's scope, newest first."""
    statement = select(ForecastAdjustment).where(
        ForecastAdjustment.period == period,
        scope_clause(principal, ForecastAdjustment.owner_id, ForecastAdjustment.team_id),
    )
    if args.get("owner_id"):
        statement = statement.where(ForecastAdjustment.owner_id == args["owner_id"])
    if args.get("team_id"):
        statement = statement.where(ForecastAdjustment.team_id == args["team_id"])
    return list(session.scalars(statement.order_by(ForecastAdjustment.created_at.desc())))


def adjust(session: Session, principal: Principal, data: dict[str, Any]) -> ForecastAdjustment:
    """A manager records an adjusted figure for a rep's period, with a note."""
    if not principal.has_role(MANAGER, ADMIN):
        raise Forbidden("only a manager may adjust a forecast")
    bounds(data["period"])
    seen = session.execute(
        select(Opportunity.team_id)
        .where(
            Opportunity.owner_id == data["owner_id"],
            scope_clause(principal, Opportunity.owner_id, Opportunity.team_id),
        )
        .limit(1)
    ).first()
    if seen is None:
        raise ValidationFailed.field("owner_id", "is not a rep whose deals you manage")
    adjustment = ForecastAdjustment(
        id=uuid.uuid4(),
        period=data["period"],
        owner_id=data["owner_id"],
        team_id=seen[0] if principal.scope.value != "team" else principal.team_id,
        currency=data["currency"],
        amount=data["amount"],
        note=data["note"].strip(),
        adjusted_by=principal.id,
        created_at=utcnow(),
    )
    session.add(adjustment)
    return adjustment
