"""Moving deals between stages: requirements, win, lose, reopen, history and events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import ADMIN, MANAGER, Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, ValidationFailed
from crm_shared.schemas import format_amount

from . import deal_risk, deals, funnel_rollup, pipelines
from .models import FieldHistory, Opportunity, Stage, StageHistory
from .rules.lines import plain
from .rules.stages import DealFacts, close_conflict, missing_requirements


def record_entry(
    session: Session,
    deal: Opportunity,
    from_stage: Stage | None,
    to_stage: Stage,
    who: uuid.UUID | None,
    now: datetime,
    note: str | None = None,
) -> None:
    """Close the deal's current stay in a stage and open one in ``to_stage``."""
    session.execute(
        update(StageHistory)
        .where(StageHistory.opportunity_id == deal.id, StageHistory.left_at.is_(None))
        .values(left_at=now)
    )
    session.add(
        StageHistory(
            id=uuid.uuid4(),
            opportunity_id=deal.id,
            pipeline_id=deal.pipeline_id,
            from_stage_id=from_stage.id if from_stage else None,
            to_stage_id=to_stage.id,
            changed_by=who,
            entered_at=now,
            left_at=None,
            note=note,
        )
    )
    funnel_rollup.mark(session, deal)


def _facts(session: Session, deal: Opportunity) -> DealFacts:
    return DealFacts(
        amount_set=deal.amount is not None and deal.amount > 0,
        expected_close_date_set=deal.expected_close_date is not None,
        next_step_set=bool(deal.next_step),
        has_decision_maker=deals.has_decision_maker(session, deal.id),
        has_line_items=bool(deals.lines_of(session, deal.id)),
    )


def _publish_change(
    session: Session, deal: Opportunity, from_stage: Stage | None, to_stage: Stage, now: datetime
) -> None:
    outbox.publish(
        session,
        "opportunity.stage_changed",
        {
            "opportunity_id": deal.id,
            "customer_id": deal.customer_id,
            "pipeline_id": deal.pipeline_id,
            "from_stage_id": from_stage.id if from_stage else None,
            "from_stage": from_stage.name if from_stage else None,
            "to_stage_id": to_stage.id,
            "to_stage": to_stage.name,
            "forecast_category": deal.forecast_category_override or to_stage.forecast_category,
            "probability": deal.probability,
            "amount": format_amount(deal.amount, deal.currency),
            "currency": deal.currency,
            "owner_id": deal.owner_id,
            "team_id": deal.team_id,
            "changed_at": now,
        },
        subject=deal.id,
    )


def _enter(
    session: Session,
    deal: Opportunity,
    to_stage: Stage,
    who: uuid.UUID | None,
    now: datetime,
    note: str | None = None,
) -> Stage | None:
    from_stage = session.get(Stage, deal.stage_id)
    record_entry(session, deal, from_stage, to_stage, who, now, note)
    deal.stage_id = to_stage.id
    deal.stage_entered_at = now
    deal.updated_at = now
    deal.last_activity_at = now
    deal.probability = deals.effective_probability(deal, to_stage)
    _publish_change(session, deal, from_stage, to_stage, now)
    return from_stage


def move(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, stage_id: uuid.UUID
) -> dict[str, Any]:
    """Move an open deal to another open stage of its pipeline, checking entry requirements."""
    deal = deals.get(session, principal, opportunity_id, lock=True)
    problem = close_conflict(deal.status)
    if problem:
        raise Conflict(problem + "; reopen it first", status=deal.status)
    stage = session.get(Stage, stage_id)
    if stage is None or stage.pipeline_id != deal.pipeline_id:
        raise ValidationFailed.field("stage_id", "is not a stage of the deal's pipeline")
    if stage.kind != "open":
        raise ValidationFailed.field(
            "stage_id",
            f"use /{stage.kind.replace('won', 'win').replace('lost', 'lose')} to close a deal",
        )
    if stage.id == deal.stage_id:
        return deals.present(session, deal)
    missing = missing_requirements(stage.requirements or [], _facts(session, deal))
    if missing:
        raise ValidationFailed(
            f"stage {stage.name} requires: {', '.join(missing)}",
            errors=[{"field": m, "message": f"is required to enter {stage.name}"} for m in missing],
        )
    now = utcnow()
    _enter(session, deal, stage, principal.id, now)
    session.flush()
    deal_risk.refresh(session, [deal], now)
    return deals.present(session, deal)


def move_all(session: Session, principal: Principal, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
    """Move every deal of a stage being deleted to another stage (history and events kept)."""
    to_stage = session.get(Stage, to_id)
    assert to_stage is not None
    now = utcnow()
    moved = 0
    for deal in session.scalars(
        select(Opportunity).where(Opportunity.stage_id == from_id).with_for_update()
    ):
        _enter(session, deal, to_stage, principal.id, now, note="stage deleted")
        if to_stage.kind != "open" and deal.status == "open":
            deal.status = to_stage.kind
            deal.closed_at = now
        moved += 1
    return moved


def _closing_stage(session: Session, deal: Opportunity, kind: str) -> Stage:
    stage = next(
        (s for s in pipelines.stages_of(session, deal.pipeline_id) if s.kind == kind), None
    )
    if stage is None:  # pragma: no cover - pipelines are checked on save
        raise Conflict(f"the deal's pipeline has no {kind} stage")
    return stage


def publish_won(session: Session, deal: Opportunity, now: datetime) -> None:
    """Publish ``deal.won`` with the deal's lines (orders turn it into an order)."""
    lines = [
        {
            "product_id": line.product_id,
            "sku": line.sku,
            "name": line.name,
            "quantity": plain(line.quantity),
            "unit_price": format_amount(line.unit_price, deal.currency),
            "discount": plain(line.discount),
            **({"tax_rate": plain(line.tax_rate)} if line.tax_rate is not None else {}),
            "amount": format_amount(line.amount, deal.currency),
        }
        for line in deals.lines_of(session, deal.id)
    ]
    outbox.publish(
        session,
        "deal.won",
        {
            "opportunity_id": deal.id,
            "customer_id": deal.customer_id,
            "name": deal.name,
            "amount": format_amount(deal.amount, deal.currency),
            "currency": deal.currency,
            "owner_id": deal.owner_id,
            "team_id": deal.team_id,
            "lead_id": deal.lead_id,
            "pipeline_id": deal.pipeline_id,
            "campaign_id": deal.campaign_id,
            "lines": lines,
            "won_at": now,
        },
        subject=deal.id,
    )


def win(session: Session, principal: Principal, opportunity_id: uuid.UUID) -> dict[str, Any]:
    """Mark the deal won and publish ``deal.won`` with its lines (orders act on it)."""
    deal = deals.get(session, principal, opportunity_id, lock=True)
    problem = close_conflict(deal.status)
    if problem:
        raise Conflict(problem, current_stage=deal.status)
    now = utcnow()
    _enter(session, deal, _closing_stage(session, deal, "won"), principal.id, now)
    deal.status = "won"
    deal.closed_at = now
    deal.risk_level, deal.risk_reasons = "low", []
    publish_won(session, deal, now)
    return deals.present(session, deal)


def lose(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Mark the deal lost for a reason from the admins' list, and publish ``deal.lost``."""
    deal = deals.get(session, principal, opportunity_id, lock=True)
    problem = close_conflict(deal.status)
    if problem:
        raise Conflict(problem, current_stage=deal.status)
    reason = data.get("reason")
    if reason is not None:
        known = {r.name.lower(): r.name for r in pipelines.lost_reasons(session)}
        if reason.strip().lower() not in known:
            raise ValidationFailed.field(
                "reason", f"is not one of: {', '.join(sorted(known.values()))}"
            )
        reason = known[reason.strip().lower()]
    now = utcnow()
    _enter(session, deal, _closing_stage(session, deal, "lost"), principal.id, now)
    deal.status = "lost"
    deal.closed_at = now
    deal.lost_reason = reason
    deal.competitor = (data.get("competitor") or "").strip() or None
    deal.risk_level, deal.risk_reasons = "low", []
    outbox.publish(
        session,
        "deal.lost",
        {
            "opportunity_id": deal.id,
            "customer_id": deal.customer_id,
            "amount": format_amount(deal.amount, deal.currency),
            "currency": deal.currency,
            "owner_id": deal.owner_id,
            "team_id": deal.team_id,
            "reason": reason,
            "lost_at": now,
        },
        subject=deal.id,
    )
    return deals.present(session, deal)


def reopen(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """A manager reopens a closed deal, with a reason, into an open stage."""
    if not principal.has_role(MANAGER, ADMIN):
        raise Forbidden("only a manager may reopen a deal")
    deal = deals.get(session, principal, opportunity_id, lock=True)
    if deal.status == "open":
        raise Conflict("opportunity is open", current_stage=deal.status)
    stages = pipelines.stages_of(session, deal.pipeline_id)
    if data.get("stage_id"):
        stage = next((s for s in stages if s.id == data["stage_id"]), None)
        if stage is None or stage.kind != "open":
            raise ValidationFailed.field("stage_id", "is not an open stage of the deal's pipeline")
    else:
        # Back to the last open stage it was in, else the first.
        last_open = session.scalars(
            select(StageHistory.to_stage_id)
            .join(Stage, Stage.id == StageHistory.to_stage_id)
            .where(StageHistory.opportunity_id == deal.id, Stage.kind == "open")
            .order_by(StageHistory.entered_at.desc())
        ).first()
        stage = next((s for s in stages if s.id == last_open), None) or next(
            s for s in stages if s.kind == "open"
        )
    now = utcnow()
    _enter(
        session, deal, stage, principal.id, now, note=f"reopened: {data['reason'].strip()}"[:500]
    )
    deal.status = "open"
    deal.closed_at = None
    deal.lost_reason = None
    deal.competitor = None
    session.flush()
    deal_risk.refresh(session, [deal], now)
    return deals.present(session, deal)


def stage_history(
    session: Session, principal: Principal, opportunity_id: uuid.UUID
) -> list[dict[str, Any]]:
    """A deal's stays in stages, oldest first, with time in each."""
    deal = deals.get(session, principal, opportunity_id)
    now = utcnow()
    names = {
        s.id: s.name
        for s in session.scalars(select(Stage).where(Stage.pipeline_id == deal.pipeline_id))
    }
    rows = session.scalars(
        select(StageHistory)
        .where(StageHistory.opportunity_id == deal.id)
        .order_by(StageHistory.entered_at, StageHistory.id)
    )
    return [
        {
            "id": row.id,
            "from_stage_id": row.from_stage_id,
            "from_stage": names.get(row.from_stage_id) if row.from_stage_id else None,
            "to_stage_id": row.to_stage_id,
            "to_stage": names.get(row.to_stage_id),
            "changed_by": row.changed_by,
            "entered_at": row.entered_at,
            "left_at": row.left_at,
            "seconds_in_stage": int(((row.left_at or now) - row.entered_at).total_seconds()),
            "note": row.note,
        }
        for row in rows
    ]


def history(session: Session, principal: Principal, opportunity_id: uuid.UUID) -> dict[str, Any]:
    """A deal's stage stays and its amount, currency and close-date changes, oldest first."""
    stays = stage_history(session, principal, opportunity_id)
    changes = session.scalars(
        select(FieldHistory)
        .where(FieldHistory.opportunity_id == opportunity_id)
        .order_by(FieldHistory.changed_at, FieldHistory.id)
    )
    return {"stages": stays, "changes": list(changes)}
