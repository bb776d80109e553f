"""Performance per user, team and company, achievement against targets, and rankings."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.schemas import format_amount

from . import plans, targeting
from .models import PerformanceFact
from .rules.performance import (
    COLLECTED,
    NEW_CUSTOMER,
    QUALIFIED_LEAD,
    REFUNDED,
    SATISFACTION,
    WON,
    Summary,
    Totals,
    achievements,
    gate_met,
    weighted_score,
)
from .rules.periods import parse_period
from .rules.ranking import rank
from .rules.targets import METRICS, MONEY_METRICS, achievement


def known_team(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    """The team a user was last seen in (their newest fact)."""
    return session.scalar(
        select(PerformanceFact.team_id)
        .where(PerformanceFact.owner_id == user_id)
        .order_by(PerformanceFact.occurred_at.desc())
        .limit(1)
    )


def check_subject(session: Session, principal: Principal, owner: uuid.UUID) -> None:
    """404 for anyone outside the caller's scope, never zeros that confirm nothing."""
    if principal.scope is Scope.ALL or principal.has_role("finance") or owner == principal.id:
        return
    if (
        principal.scope is Scope.TEAM
        and principal.team_id is not None
        and known_team(session, owner) == principal.team_id
    ):
        return
    raise NotFound("no performance visible for that person")


def summary(session: Session, where: list[ColumnElement[bool]]) -> Summary:
    """Figures over the facts matching ``where``, added up in the database."""
    rows = session.execute(
        select(
            PerformanceFact.kind,
            PerformanceFact.currency,
            func.count(),
            func.sum(PerformanceFact.amount),
            func.sum(PerformanceFact.satisfaction),
            func.count(PerformanceFact.satisfaction),
        )
        .where(*where)
        .group_by(PerformanceFact.kind, PerformanceFact.currency)
    ).all()
    result = Summary()
    rated = 0
    rating_total = 0
    for kind, currency, count, amount, sat_sum, sat_count in rows:
        if kind == SATISFACTION:
            rated += sat_count
            rating_total += int(sat_sum or 0)
        elif kind == QUALIFIED_LEAD:
            result.qualified_leads += count
        elif kind == NEW_CUSTOMER:
            result.new_customers += count
        elif currency is not None:
            totals = result.by_currency.setdefault(currency, Totals())
            value = Decimal(amount or 0)
            if kind == WON:
                totals.won += value
                result.deals_won += count
            elif kind == COLLECTED:
                totals.collected += value
                result.payments += count
            elif kind == REFUNDED:
                totals.refunded += value
                result.refunds += count
    result.rated_tickets = rated
    if rated:
        mean = Decimal(rating_total) / Decimal(rated)
        result.avg_satisfaction = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return result


def _subject_filter(kind: str, subject: uuid.UUID | None) -> list[ColumnElement[bool]]:
    if kind == "user":
        return [PerformanceFact.owner_id == subject]
    if kind == "team":
        return [PerformanceFact.team_id == subject]
    return []


def performance(
    session: Session,
    principal: Principal,
    args: dict[str, Any],
    default_currency: str,
) -> dict[str, Any]:
    """Actuals for a user, a team or the company for a month, quarter or year, against targets."""
    period = parse_period(args["period"])
    if args.get("team_id"):
        kind, subject = "team", args["team_id"]
        if principal.scope is Scope.OWN or (
            principal.scope is Scope.TEAM and subject != principal.team_id
        ):
            raise NotFound("no such team in your scope")
    elif args.get("company"):
        kind, subject = "company", None
        if principal.scope is not Scope.ALL:
            raise NotFound("company figures are for admins and finance")
    else:
        kind, subject = "user", args.get("owner_id") or principal.id
        check_subject(session, principal, subject)
    figures = summary(
        session, [PerformanceFact.period.in_(period.months), *_subject_filter(kind, subject)]
    )
    headline = figures.currency_for(args.get("currency"), default_currency)
    totals = figures.by_currency.get(headline, Totals())
    metrics = []
    ratios: dict[str, Decimal | None] = {}
    actuals: dict[str, Decimal | None] = {}
    for metric in METRICS:
        actual = figures.metric(metric, headline)
        actuals[metric] = actual
        levels = targeting.effective_levels(session, kind, subject, period.text, metric)
        reached = achievements(actual, levels) if levels else {}
        ratios[metric] = reached.get("target")
        metrics.append(
            {
                "metric": metric,
                "currency": headline if metric in MONEY_METRICS else None,
                "actual": actual,
                "target": levels.target if levels else None,
                "stretch": levels.stretch if levels else None,
                "challenge": levels.challenge if levels else None,
                "achievement": reached.get("target"),
                "stretch_achievement": reached.get("stretch"),
                "challenge_achievement": reached.get("challenge"),
            }
        )
    team_for_plan = (
        subject if kind == "team" else (known_team(session, subject) if subject else None)
    )
    plan = plans.plan_for(session, team_for_plan, headline)
    card = plans.scorecard_of(plan) if plan else None
    return {
        "subject": kind,
        "owner_id": subject if kind == "user" else None,
        "team_id": subject if kind == "team" else None,
        "period": period.text,
        "currency": headline,
        "won_amount": format_amount(totals.won, headline),
        "collected_amount": format_amount(totals.collected - totals.refunded, headline),
        "refunded_amount": format_amount(totals.refunded, headline),
        "deals_won": figures.deals_won,
        "payments": figures.payments,
        "rated_tickets": figures.rated_tickets,
        "qualified_leads": figures.qualified_leads,
        "new_customers": figures.new_customers,
        "avg_satisfaction": figures.avg_satisfaction,
        "metrics": metrics,
        "score": weighted_score(card, ratios) if card else None,
        "accelerator_gate_met": gate_met(card, actuals) if card else None,
        "totals": [
            {
                "currency": code,
                "won_amount": format_amount(t.won, code),
                "collected_amount": format_amount(t.collected - t.refunded, code),
            }
            for code, t in sorted(figures.by_currency.items())
        ],
    }


def _per_owner(
    session: Session, months: tuple[str, ...], metric: str, currency: str, team: uuid.UUID | None
) -> dict[uuid.UUID, Decimal]:
    where: list[ColumnElement[bool]] = [PerformanceFact.period.in_(months)]
    if team is not None:
        where.append(PerformanceFact.team_id == team)
    kinds = {
        "won_amount": (WON,),
        "collected_amount": (COLLECTED, REFUNDED),
        "deals_won": (WON,),
        "qualified_leads": (QUALIFIED_LEAD,),
        "new_customers": (NEW_CUSTOMER,),
        "avg_satisfaction": (SATISFACTION,),
    }[metric]
    where.append(PerformanceFact.kind.in_(kinds))
    if metric in MONEY_METRICS:
        where.append(PerformanceFact.currency == currency)
    rows = session.execute(
        select(
            PerformanceFact.owner_id,
            PerformanceFact.kind,
            func.count(),
            func.sum(PerformanceFact.amount),
            func.avg(PerformanceFact.satisfaction),
        )
        .where(*where)
        .group_by(PerformanceFact.owner_id, PerformanceFact.kind)
    ).all()
    values: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for owner, kind, count, amount, average in rows:
        if metric in MONEY_METRICS:
            sign = -1 if kind == REFUNDED else 1
            values[owner] += sign * Decimal(amount or 0)
        elif metric == "avg_satisfaction":
            values[owner] = Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            values[owner] += Decimal(count)
    return dict(values)


def rankings(
    session: Session, principal: Principal, args: dict[str, Any], default_currency: str
) -> dict[str, Any]:
    """A leaderboard for a metric: absolute, or achievement against each rep's own target."""
    period = parse_period(args["period"])
    metric = args["metric"]
    currency = args.get("currency") or default_currency
    team = args.get("team_id")
    if team is None and principal.scope is not Scope.ALL:
        team = principal.team_id
        if team is None:
            raise ValidationFailed(
                "which team?", errors=[{"field": "team_id", "message": "is required"}]
            )
    values = _per_owner(session, period.months, metric, currency, team)
    basis = args.get("basis", "absolute")
    if basis == "achievement":
        ratios: dict[uuid.UUID, Decimal] = {}
        for owner, value in values.items():
            levels = targeting.effective_levels(session, "user", owner, period.text, metric)
            ratio = achievement(value, levels.target if levels else None)
            if ratio is not None:
                ratios[owner] = ratio
        values = ratios
    standings = rank(list(values.items()))
    items = [
        {"owner_id": s.subject, "value": s.value, "rank": s.rank, "gap_to_next": s.gap_to_next}
        for s in standings
    ]
    me = next((i for i in items if i["owner_id"] == principal.id), None)
    return {
        "period": period.text,
        "metric": metric,
        "basis": basis,
        "team_id": team,
        "currency": currency if metric in MONEY_METRICS else None,
        "items": items,
        "me": me,
    }
