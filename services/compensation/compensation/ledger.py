"""The commission ledger: accruals from receipts, clawbacks from refunds, true-ups at close.

Nothing is recomputed in place: every correction is a new line, each traceable
to the event (or the period close) that caused it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from crm_shared.schemas import minor_units

from . import plans, targeting
from .models import CommissionPlan, Deal, LedgerLine
from .rules.commission import (
    clawback_applies,
    marginal_commission,
    period_commission,
    product_factor,
    split_amount,
)

BASE_METRIC = {"collected": "collected_amount", "won": "won_amount"}
TRUE_UP_NAMESPACE = uuid.UUID("6f1f3c38-3b0e-4f0b-9d55-6a4c4a1f0c11")


def shares_of(deal: Deal | None, owner_id: uuid.UUID) -> list[tuple[uuid.UUID, Decimal]]:
    """Who gets the credit, by percent: the deal's splits, else its owner alone."""
    if deal is not None and deal.splits:
        return [(uuid.UUID(str(s["owner_id"])), Decimal(str(s["percent"]))) for s in deal.splits]
    return [(owner_id, Decimal(100))]


def booked_base(session: Session, owner_id: uuid.UUID, period: str, currency: str) -> Decimal:
    """The commission base already on the ledger for an owner's month."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerLine.base_amount), 0)).where(
            LedgerLine.owner_id == owner_id,
            LedgerLine.period == period,
            LedgerLine.currency == currency,
        )
    )
    return Decimal(total or 0)


def booked_amount(session: Session, owner_id: uuid.UUID, period: str, currency: str) -> Decimal:
    """The commission already on the ledger for an owner's month."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount), 0)).where(
            LedgerLine.owner_id == owner_id,
            LedgerLine.period == period,
            LedgerLine.currency == currency,
        )
    )
    return Decimal(total or 0)


def _exists(session: Session, kind: str, ref_id: uuid.UUID, owner_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(LedgerLine.id).where(
                LedgerLine.kind == kind,
                LedgerLine.ref_id == ref_id,
                LedgerLine.owner_id == owner_id,
            )
        )
        is not None
    )


def book(
    session: Session,
    *,
    kind: str,
    base_kind: str,
    ref_id: uuid.UUID,
    source_type: str,
    source_event_id: str | None,
    owner_id: uuid.UUID,
    team_id: uuid.UUID | None,
    opportunity_id: uuid.UUID | None,
    period: str,
    amount: Decimal,
    currency: str,
    received_at: datetime | None = None,
    occurred_at: datetime | None = None,
) -> list[LedgerLine]:
    """Book the commission that ``amount`` of base (negative for a refund) earns, per split.

    No plan for the rep's team and currency, or a plan on the other base, books
    nothing: commission is paid only as a plan says.
    """
    plan = plans.plan_for(session, team_id, currency)
    if plan is None or plan.base != base_kind:
        return []
    rule = plans.to_rule(plan)
    places = minor_units(currency)
    deal = session.get(Deal, opportunity_id) if opportunity_id else None
    factor = product_factor(
        [
            (line.get("sku"), Decimal(str(line.get("amount") or 0)))
            for line in (deal.lines if deal else [])
        ],
        rule,
    )
    shares = shares_of(deal, owner_id)
    weighted = amount * factor
    parts = split_amount(weighted, [share for _, share in shares], places)
    waived = (
        kind == "clawback"
        and received_at is not None
        and occurred_at is not None
        and not clawback_applies((occurred_at - received_at).days, plan.clawback_window_days)
    )
    made: list[LedgerLine] = []
    for (rep, _share), base in zip(shares, parts, strict=True):
        line_kind = "waived" if waived else kind
        if _exists(session, line_kind, ref_id, rep):
            continue
        rep_team = team_id if rep == owner_id else None
        if waived:
            value = Decimal(0)
            base = Decimal(0)
        else:
            before = booked_base(session, rep, period, currency)
            levels = targeting.effective_levels(
                session, "user", rep, period, BASE_METRIC[plan.base]
            )
            goal = levels.target if levels else None
            value = marginal_commission(before, base, goal, rule, places)
        line = LedgerLine(
            owner_id=rep,
            team_id=rep_team,
            period=period,
            kind=line_kind,
            currency=currency,
            base_amount=base,
            amount=value,
            plan_id=plan.id,
            ref_id=ref_id,
            source_type=source_type,
            source_event_id=source_event_id,
            opportunity_id=opportunity_id,
            note=_note(line_kind, factor, plan),
        )
        session.add(line)
        session.flush()
        made.append(line)
    return made


def _note(kind: str, factor: Decimal, plan: CommissionPlan) -> str:
    if kind == "waived":
        return f"refund after the {plan.clawback_window_days}-day clawback window: no clawback"
    if factor != 1:
        return f"product mix multiplier {factor.quantize(Decimal('0.0001'))}"
    return ""


def true_ups(session: Session, period: str, accelerated: dict[uuid.UUID, bool]) -> list[LedgerLine]:
    """At close: one line per rep and currency so the month pays exactly the plan's value.

    Covers what arrival order, a target approved mid-month or the scorecard
    gate (``accelerated`` per rep; absent means met) changed; a zero
    difference writes nothing. Read in three queries whatever the number of
    reps, so closing a large organisation stays quick.
    """
    booked = session.execute(
        select(
            LedgerLine.owner_id,
            LedgerLine.currency,
            func.sum(LedgerLine.base_amount),
            func.sum(LedgerLine.amount),
            func.max(cast(LedgerLine.team_id, String)),
        )
        .where(LedgerLine.period == period)
        .group_by(LedgerLine.owner_id, LedgerLine.currency)
    ).all()
    done = set(
        session.execute(
            select(LedgerLine.owner_id, LedgerLine.currency).where(
                LedgerLine.period == period, LedgerLine.kind == "true_up"
            )
        ).all()
    )
    active = plans.active_plans(session)
    goals = targeting.user_goals(session, period)
    made: list[LedgerLine] = []
    for owner, currency, base, amount, team_text in booked:
        if (owner, currency) in done:
            continue
        team = uuid.UUID(team_text) if team_text else None
        plan = plans.choose(active, team, currency)
        if plan is None:
            continue
        goal = goals.get((owner, BASE_METRIC[plan.base]))
        expected = period_commission(
            Decimal(base or 0),
            goal,
            plans.to_rule(plan),
            minor_units(currency),
            accelerated=accelerated.get(owner, True),
        )
        difference = expected - Decimal(amount or 0)
        if difference == 0:
            continue
        line = LedgerLine(
            owner_id=owner,
            team_id=team,
            period=period,
            kind="true_up",
            currency=currency,
            base_amount=Decimal(0),
            amount=difference,
            plan_id=plan.id,
            ref_id=uuid.uuid5(TRUE_UP_NAMESPACE, f"{owner}:{period}:{currency}"),
            source_type="period.closed",
            note="" if accelerated.get(owner, True) else "scorecard gate not met: no accelerator",
        )
        made.append(line)
    session.add_all(made)
    session.flush()
    return made


def line_fields(line: LedgerLine) -> dict[str, Any]:
    """A ledger line as the API shows it."""
    return {
        "id": line.id,
        "owner_id": line.owner_id,
        "period": line.period,
        "kind": line.kind,
        "currency": line.currency,
        "base_amount": line.base_amount,
        "amount": line.amount,
        "plan_id": line.plan_id,
        "ref_id": line.ref_id,
        "source_type": line.source_type,
        "source_event_id": line.source_event_id,
        "opportunity_id": line.opportunity_id,
        "note": line.note or None,
        "payout_id": line.payout_id,
        "created_at": line.created_at,
    }
