"""Deal risk over the database: gather each open deal's facts, ask the rule, keep the answer.

The level and reasons are stored on the deal so the manager's list
(``?risk=high&sort=-amount``) filters and sorts in SQL; they are refreshed on
every change of the deal and by a periodic job, since risk grows with time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.db import Database, utcnow

from .models import CustomerState, Opportunity, OpportunityContact, Stage, StageHistory
from .rules.funnel import median
from .rules.risk import RiskFacts, assess


def median_won_days(session: Session, stage_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Per stage, the median days won deals spent in it."""
    ids = list(set(stage_ids))
    if not ids:
        return {}
    seconds = seconds_in_stage(session)
    base = (
        select(StageHistory.to_stage_id, seconds.label("s"))
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .where(
            StageHistory.to_stage_id.in_(ids),
            StageHistory.left_at.is_not(None),
            Opportunity.status == "won",
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        sub = base.subquery()
        rows = session.execute(
            select(sub.c.to_stage_id, func.percentile_cont(0.5).within_group(sub.c.s)).group_by(
                sub.c.to_stage_id
            )
        )
        return {stage: float(value) / 86400 for stage, value in rows}
    found: dict[uuid.UUID, list[float]] = {}
    for stage, value in session.execute(base):
        found.setdefault(stage, []).append(float(value))
    return {stage: (median(values) or 0.0) / 86400 for stage, values in found.items()}


def seconds_in_stage(session: Session) -> Any:
    """SQL for the seconds a stage stay lasted (``left_at - entered_at``)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", StageHistory.left_at - StageHistory.entered_at)
    return (func.julianday(StageHistory.left_at) - func.julianday(StageHistory.entered_at)) * 86400


def refresh(session: Session, deals: list[Opportunity], now: datetime) -> None:
    """Recompute the risk of ``deals`` (closed ones carry none)."""
    open_deals = [d for d in deals if d.status == "open"]
    for deal in deals:
        if deal.status != "open":
            deal.risk_level, deal.risk_reasons = "low", []
    if not open_deals:
        return
    stages = {
        s.id: s
        for s in session.scalars(
            select(Stage).where(Stage.id.in_({d.stage_id for d in open_deals}))
        )
    }
    medians = median_won_days(session, stages)
    with_dm = set(
        session.scalars(
            select(OpportunityContact.opportunity_id).where(
                OpportunityContact.opportunity_id.in_([d.id for d in open_deals]),
                OpportunityContact.role == "decision_maker",
            )
        )
    )
    tiers = dict(
        session.execute(
            select(CustomerState.customer_id, CustomerState.tier).where(
                CustomerState.customer_id.in_({d.customer_id for d in open_deals})
            )
        ).all()
    )
    for deal in open_deals:
        stage = stages.get(deal.stage_id)
        level, reasons = assess(
            RiskFacts(
                last_activity_at=deal.last_activity_at,
                stage_entered_at=deal.stage_entered_at,
                stale_after_days=stage.stale_after_days if stage else None,
                median_won_days_in_stage=medians.get(deal.stage_id),
                close_date_pushes=deal.close_date_pushes,
                expected_close_date=deal.expected_close_date,
                amount=deal.amount,
                peak_amount=deal.peak_amount,
                has_decision_maker=deal.id in with_dm,
                stage_probability=deal.probability,
                customer_tier=tiers.get(deal.customer_id),
            ),
            now,
        )
        if deal.risk_level != level or deal.risk_reasons != reasons:
            deal.risk_level, deal.risk_reasons = level, reasons


def refresh_all(db: Database, _settings: Any = None, batch: int = 500) -> int:
    """The periodic job: reassess every open deal, a batch per transaction."""
    done, after = 0, None
    while True:
        with db.transaction() as session:
            statement = (
                select(Opportunity).where(Opportunity.status == "open").order_by(Opportunity.id)
            )
            if after is not None:
                statement = statement.where(Opportunity.id > after)
            page = list(session.scalars(statement.limit(batch)))
            if not page:
                return done
            refresh(session, page, utcnow())
            done += len(page)
            after = page[-1].id
