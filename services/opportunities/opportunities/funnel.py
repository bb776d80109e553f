"""The funnel of a pipeline over a period: stages reached, conversion, time in stage, wins."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope
from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed

from . import pipelines
from .forecasting import midnight, scoped
from .models import FunnelReached, FunnelStay, Opportunity, StageHistory
from .rules.funnel import conversions, median, median_of_counts, stay_days, win_rate


def _money(totals: dict[str, Decimal]) -> list[dict[str, Any]]:
    return [{"currency": c, "amount": a} for c, a in sorted(totals.items())]


Counts = tuple[dict[uuid.UUID, int], dict[uuid.UUID, dict[int, int]]]


def _add_counts(total: Counts, part: Counts) -> Counts:
    """Sum two (reached, stay-days histogram) answers over disjoint sets of deals."""
    reached = dict(total[0])
    for stage, n in part[0].items():
        reached[stage] = reached.get(stage, 0) + n
    days = {stage: dict(counts) for stage, counts in total[1].items()}
    for stage, counts in part[1].items():
        per = days.setdefault(stage, {})
        for value, n in counts.items():
            per[value] = per.get(value, 0) + n
    return reached, days


def _from_history(session: Session, where: list[Any]) -> Counts:
    """Stages reached and stay days straight from the stage history (the rollup's reference).

    The cohort's ids first, then their history by the opportunity_id index:
    a join lets the planner hash the whole history for a rep's few deals.
    """
    ids = list(session.scalars(select(Opportunity.id).where(*where)))
    reached_by: dict[uuid.UUID, set[uuid.UUID]] = {}
    days: dict[uuid.UUID, dict[int, int]] = {}
    if session.get_bind().dialect.name == "postgresql":
        return _history_in_sql(session, ids)
    for first in range(0, len(ids), 2000):
        for deal_id, stage, entered, left in session.execute(
            select(
                StageHistory.opportunity_id,
                StageHistory.to_stage_id,
                StageHistory.entered_at,
                StageHistory.left_at,
            ).where(StageHistory.opportunity_id.in_(ids[first : first + 2000]))
        ):
            reached_by.setdefault(stage, set()).add(deal_id)
            if left is not None:
                value = stay_days((left - entered).total_seconds())
                per = days.setdefault(stage, {})
                per[value] = per.get(value, 0) + 1
    return {stage: len(deals) for stage, deals in reached_by.items()}, days


def _history_in_sql(session: Session, ids: list[uuid.UUID]) -> Counts:
    """The same counts, aggregated by PostgreSQL (whole days as :func:`stay_days` floors them)."""
    total: Counts = ({}, {})
    whole_days = func.greatest(
        0, func.floor(func.extract("epoch", StageHistory.left_at - StageHistory.entered_at) / 86400)
    )
    for first in range(0, len(ids), 2000):  # chunks hold different deals: their counts add up
        chunk = StageHistory.opportunity_id.in_(ids[first : first + 2000])
        reached = {
            stage: int(n)
            for stage, n in session.execute(
                select(
                    StageHistory.to_stage_id, func.count(func.distinct(StageHistory.opportunity_id))
                )
                .where(chunk)
                .group_by(StageHistory.to_stage_id)
            )
        }
        days: dict[uuid.UUID, dict[int, int]] = {}
        for stage, value, n in session.execute(
            select(StageHistory.to_stage_id, whole_days, func.count())
            .where(chunk, StageHistory.left_at.is_not(None))
            .group_by(StageHistory.to_stage_id, whole_days)
        ):
            days.setdefault(stage, {})[int(value)] = int(n)
        total = _add_counts(total, (reached, days))
    return total


def _from_rollup(
    session: Session, pipeline_id: uuid.UUID, start: date, to: date, team: Any
) -> Counts:
    """Stages reached and stay days from the per-day rollup (``team``: ALL for every deal)."""
    found = []
    for table in (FunnelReached, FunnelStay):
        where = [table.pipeline_id == pipeline_id, table.day >= start, table.day < to]
        if team is ALL:
            where.append(table.grain == "all")
        else:
            where += [
                table.grain == "team",
                table.team_id.is_(None) if team is None else table.team_id == team,
            ]
        found.append(where)
    reached = {
        stage: int(n)
        for stage, n in session.execute(
            select(FunnelReached.stage_id, func.sum(FunnelReached.deals))
            .where(*found[0])
            .group_by(FunnelReached.stage_id)
        )
    }
    days: dict[uuid.UUID, dict[int, int]] = {}
    for stage, value, n in session.execute(
        select(FunnelStay.stage_id, FunnelStay.days, func.sum(FunnelStay.stays))
        .where(*found[1])
        .group_by(FunnelStay.stage_id, FunnelStay.days)
    ):
        days.setdefault(stage, {})[value] = int(n)
    return reached, days


ALL = object()


def _stage_counts(
    session: Session,
    principal: Principal,
    args: dict[str, Any],
    where: list[Any],
    start: date,
    to: date,
) -> Counts:
    """Reached and stay days of the cohort, from the rollup wherever the scope allows.

    The rollup has a company grain and a team grain. A rep's own deals, or
    one owner's, are few: they are read from the history. A manager sees the
    team (rollup) plus their own deals outside it (history, usually none).
    """
    pipeline_id = args["pipeline_id"]
    team_filter = args.get("team_id")
    if args.get("owner_id") or principal.scope is Scope.OWN:
        return _from_history(session, where)
    if principal.scope is Scope.ALL:
        return _from_rollup(session, pipeline_id, start, to, team_filter or ALL)
    own_team = principal.team_id
    if team_filter and team_filter != own_team:
        return _from_history(session, where)  # only the manager's own deals in that team
    mine_elsewhere = [
        *where,
        Opportunity.owner_id == principal.id,
        or_(Opportunity.team_id.is_(None), Opportunity.team_id != own_team),
    ]
    team_part = _from_rollup(session, pipeline_id, start, to, own_team)
    if team_filter:
        return team_part
    return _add_counts(team_part, _from_history(session, mine_elsewhere))


def _cohort(
    session: Session, where: list[Any], group_by: str | None
) -> list[tuple[Any, str, str, str, int, Decimal]]:
    """(stage, status, currency, group key, deals, amount) over the cohort."""
    key_column = Opportunity.owner_id if group_by == "owner" else Opportunity.team_id
    if session.get_bind().dialect.name == "postgresql":
        keys: list[Any] = [
            Opportunity.stage_id,
            Opportunity.status,
            Opportunity.currency,
            key_column,
        ]
        rows: Any = session.execute(
            select(*keys, func.count(), func.sum(Opportunity.amount)).where(*where).group_by(*keys)
        )
        return [
            (st, status, cur, str(key), n, Decimal(total))
            for st, status, cur, key, n, total in rows
        ]
    # Embedded mode keeps money as text: sum it here, exactly.
    found: dict[tuple[Any, str, str, str], list[Any]] = {}
    for stage, status, currency, key, amount in session.execute(
        select(
            Opportunity.stage_id,
            Opportunity.status,
            Opportunity.currency,
            key_column,
            Opportunity.amount,
        ).where(*where)
    ):
        slot = found.setdefault((stage, status, currency, str(key)), [0, Decimal(0)])
        slot[0] += 1
        slot[1] += amount
    return [(k[0], k[1], k[2], k[3], v[0], v[1]) for k, v in found.items()]


def _sales_cycle(session: Session, where: list[Any]) -> float | None:
    """Median days from creation to winning, over the cohort's won deals."""
    won = [*where, Opportunity.status == "won", Opportunity.closed_at.is_not(None)]
    if session.get_bind().dialect.name == "postgresql":
        days = func.extract("epoch", Opportunity.closed_at - Opportunity.created_at) / 86400
        value = session.scalar(select(func.percentile_cont(0.5).within_group(days)).where(*won))
        return None if value is None else float(value)
    rows = session.execute(select(Opportunity.created_at, Opportunity.closed_at).where(*won))
    return median([(c - o).total_seconds() / 86400 for o, c in rows if c is not None])


def funnel(
    session: Session, principal: Principal, args: dict[str, Any], *, source: str = "rollup"
) -> dict[str, Any]:
    """Deals created in [from, to) in one pipeline, in the caller's scope, stage by stage.

    What the stage history says (stages reached, time in stage) is read from
    the per-day rollup; ``source="history"`` reads the history itself (the
    reference the tests hold the rollup to).
    """
    if args.get("pipeline_id"):
        try:
            pipeline = pipelines.get(session, principal, args["pipeline_id"])
        except NotFound as exc:
            raise ValidationFailed.field("pipeline_id", "no such pipeline") from exc
    else:
        pipeline = pipelines.default(session)
    to = args.get("to") or utcnow().date() + timedelta(days=1)
    start = args.get("from") or to - timedelta(days=90)
    if start >= to:
        raise ValidationFailed.field("from", "must be before to")
    where = [
        *scoped(principal, {**args, "pipeline_id": pipeline.id}),
        Opportunity.created_at >= midnight(start),
        Opportunity.created_at < midnight(to),
    ]
    if source == "history":
        reached, days = _from_history(session, where)
    else:
        reached, days = _stage_counts(
            session, principal, {**args, "pipeline_id": pipeline.id}, where, start, to
        )
    medians = {stage: median_of_counts(counts) for stage, counts in days.items()}
    stages = pipelines.stages_of(session, pipeline.id)
    in_stage: dict[uuid.UUID, int] = {}
    in_stage_amount: dict[uuid.UUID, dict[str, Decimal]] = {}
    won = lost = 0
    won_amount: dict[str, Decimal] = {}
    won_count: dict[str, int] = {}
    groups: dict[str, dict[str, Any]] = {}
    group_by = args.get("group_by")
    for stage_id, status, currency, key, n, amount in _cohort(session, where, group_by):
        in_stage[stage_id] = in_stage.get(stage_id, 0) + n
        per = in_stage_amount.setdefault(stage_id, {})
        per[currency] = per.get(currency, Decimal(0)) + amount
        if group_by:
            group = groups.setdefault(
                key, {"key": key, "deals": 0, "won": 0, "lost": 0, "won_amount": {}}
            )
            group["deals"] += n
        if status == "won":
            won += n
            won_amount[currency] = won_amount.get(currency, Decimal(0)) + amount
            won_count[currency] = won_count.get(currency, 0) + n
            if group_by:
                group["won"] += n
                group["won_amount"][currency] = (
                    group["won_amount"].get(currency, Decimal(0)) + amount
                )
        elif status == "lost":
            lost += n
            if group_by:
                group["lost"] += n
    open_stages = [s for s in stages if s.kind != "lost"]
    rates = conversions([reached.get(s.id, 0) for s in open_stages])
    rows = []
    for stage in stages:
        index = next((i for i, s in enumerate(open_stages) if s.id == stage.id), None)
        rows.append(
            {
                "stage_id": stage.id,
                "name": stage.name,
                "kind": stage.kind,
                "reached": reached.get(stage.id, 0),
                "current": in_stage.get(stage.id, 0),
                "current_amounts": _money(in_stage_amount.get(stage.id, {})),
                "conversion_to_next": rates[index]
                if index is not None and index < len(rates)
                else None,
                "median_days_in_stage": medians.get(stage.id),
            }
        )
    total = sum(in_stage.values())
    return {
        "pipeline_id": pipeline.id,
        "from": start,
        "to": to,
        "deals": total,
        "won": won,
        "lost": lost,
        "win_rate": win_rate(won, lost),
        "average_won_amounts": [
            {"currency": c, "amount": a / won_count[c]} for c, a in sorted(won_amount.items())
        ],
        "median_sales_cycle_days": _sales_cycle(session, where),
        "stages": rows,
        "groups": [
            {
                **g,
                "win_rate": win_rate(g["won"], g["lost"]),
                "won_amounts": _money(g.pop("won_amount")),
            }
            for g in sorted(groups.values(), key=lambda g: g["key"])
        ],
    }
