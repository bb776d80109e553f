"""How good each forecast method was: a backtest over past periods and a reliability table.

For each past period the deals open at its start are rebuilt as they stood
then (stage, amount and close date, from the history), forecast with the
calibration counts known then (deals closed before the start only), and
compared with what was actually won in the period.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal

from . import calibration
from .forecasting import bounds, midnight, scoped
from .models import FieldHistory, Opportunity, Stage, StageHistory
from .rules.calibration import chance_within_period
from .rules.forecast import CENT, weighted
from .rules.periods import previous_periods
from .rules.reliability import brier_score, relative_error, reliability_table

METHODS = ("stage_weighted", "calibrated", "rep_call")


def _currency(session: Session, where: list[Any]) -> str | None:
    row = session.execute(
        select(Opportunity.currency, func.count())
        .where(*where)
        .group_by(Opportunity.currency)
        .order_by(func.count().desc(), Opportunity.currency)
        .limit(1)
    ).first()
    return row[0] if row else None


def _state_at_start(
    session: Session, where: list[Any], start: date
) -> dict[uuid.UUID, dict[str, Any]]:
    at = midnight(start)
    candidates = (
        select(Opportunity.id)
        .where(*where, Opportunity.created_at < at)
        .where(or_(Opportunity.closed_at.is_(None), Opportunity.closed_at >= at))
    )
    deals: dict[uuid.UUID, dict[str, Any]] = {
        row.id: {
            "owner_id": row.owner_id,
            "team_id": row.team_id,
            "amount": row.amount,
            "close": row.expected_close_date,
            "status": row.status,
            "closed_at": row.closed_at,
            "stage_id": None,
        }
        for row in session.execute(
            select(
                Opportunity.id,
                Opportunity.owner_id,
                Opportunity.team_id,
                Opportunity.amount,
                Opportunity.expected_close_date,
                Opportunity.status,
                Opportunity.closed_at,
            ).where(Opportunity.id.in_(candidates))
        )
    }
    stays = session.execute(
        select(StageHistory.opportunity_id, StageHistory.to_stage_id)
        .where(StageHistory.opportunity_id.in_(candidates), StageHistory.entered_at < at)
        .order_by(StageHistory.entered_at)
    )
    for deal_id, stage_id in stays:
        deals[deal_id]["stage_id"] = stage_id  # the last one before the start wins
    changes = session.execute(
        select(FieldHistory.opportunity_id, FieldHistory.field, FieldHistory.from_value)
        .where(
            FieldHistory.opportunity_id.in_(candidates),
            FieldHistory.changed_at >= at,
            FieldHistory.field.in_(("amount", "expected_close_date")),
        )
        .order_by(FieldHistory.changed_at.desc())
    )
    for deal_id, name, before in changes:
        # Newest first: the earliest change after the start sets the value last.
        if name == "amount" and before is not None:
            deals[deal_id]["amount"] = Decimal(before)
        elif name == "expected_close_date":
            deals[deal_id]["close"] = date.fromisoformat(before) if before else None
    return {k: v for k, v in deals.items() if v["stage_id"] is not None}


def backtest(session: Session, principal: Principal, args: dict[str, Any]) -> dict[str, Any]:
    """Each method's forecast at the start of each past period against what was won."""
    bounds(args["period"])
    where = scoped(principal, args)
    currency = args.get("currency") or _currency(session, where)
    stages = {s.id: s for s in session.scalars(select(Stage))}
    periods: list[dict[str, Any]] = []
    errors_of: dict[str, list[float]] = {m: [] for m in METHODS}
    pairs: dict[str, list[tuple[float, bool]]] = {"stage_weighted": [], "calibrated": []}
    if currency is not None:
        where = [*where, Opportunity.currency == currency]
        for period in previous_periods(args["period"], args.get("periods", 4)):
            start, end = bounds(period)
            counts = calibration.history_counts(session, before=midnight(start))
            figures = {m: Decimal(0) for m in METHODS}
            deals = 0
            for deal in _state_at_start(session, where, start).values():
                if deal["close"] is None or not start <= deal["close"] < end:
                    continue
                stage = stages.get(deal["stage_id"])
                if stage is None or stage.kind != "open":
                    continue
                deals += 1
                owner, team = deal["owner_id"], deal["team_id"]
                p_stage = stage.probability / 100
                p_cal = counts.win_rate(owner, team, stage.id, stage.probability) * (
                    chance_within_period(deal["close"], start, end, counts.slip(owner, team))
                )
                won = (
                    deal["status"] == "won"
                    and deal["closed_at"] is not None
                    and deal["closed_at"] < midnight(end)
                )
                pairs["stage_weighted"].append((p_stage, won))
                pairs["calibrated"].append((p_cal, won))
                figures["stage_weighted"] += weighted(deal["amount"], p_stage)
                figures["calibrated"] += weighted(deal["amount"], p_cal)
                if stage.forecast_category == "commit":
                    figures["rep_call"] += deal["amount"]
            # Summed here, exactly: embedded mode keeps money as text.
            actual = sum(
                session.scalars(
                    select(Opportunity.amount).where(
                        *where,
                        Opportunity.status == "won",
                        Opportunity.closed_at >= midnight(start),
                        Opportunity.closed_at < midnight(end),
                    )
                ),
                Decimal(0),
            )
            for method in ("stage_weighted", "calibrated"):  # exact sums, rounded once
                figures[method] = figures[method].quantize(CENT, ROUND_HALF_EVEN)
            errors = {m: relative_error(figures[m], actual) for m in METHODS}
            for method, error in errors.items():
                if error is not None:
                    errors_of[method].append(error)
            periods.append(
                {
                    "period": period,
                    "currency": currency,
                    "deals": deals,
                    "actual": actual,
                    **{m: figures[m] for m in METHODS},
                    "errors": errors,
                }
            )
    summary = {}
    for method in METHODS:
        found = errors_of[method]
        summary[method] = {
            "mean_absolute_percentage_error": sum(found) / len(found) if found else None,
            "brier_score": brier_score(pairs[method]) if method in pairs else None,
        }
    return {
        "currency": currency,
        "periods": periods,
        "summary": summary,
        "reliability": {
            method: reliability_table(method_pairs) for method, method_pairs in pairs.items()
        },
    }
