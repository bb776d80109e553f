"""Receivables reports: aging with DSO and collection rate, cash forecast with its backtest."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, scope_clause

from .models import Installment, Order
from .rules.aging import BUCKETS, bucket_edges, collection_rate, dso
from .rules.forecast import Lateness, OpenAmount, forecast, stats_of, wape

GROUPS = {
    "customer": Installment.customer_id,
    "owner": Installment.owner_id,
    "team": Installment.team_id,
}


def _in_range(column: Any, low: date | None, high: date | None) -> Any:
    clauses = []
    if low is not None:
        clauses.append(column >= low)
    if high is not None:
        clauses.append(column <= high)
    return and_(*clauses)


def aging(
    session: Session,
    principal: Principal,
    group_by: str,
    currency: str | None,
    today: date,
    limit: int,
) -> dict[str, Any]:
    """Outstanding per customer, owner or team and currency in aging buckets, DSO, collection."""
    lacking = Installment.amount - Installment.received
    edges = bucket_edges(today)
    key = GROUPS[group_by]
    scoped = [
        Installment.void.is_(False),
        Installment.received < Installment.amount,
        scope_clause(principal, Installment.owner_id, Installment.team_id),
    ]
    if currency:
        scoped.append(Installment.currency == currency)
    columns = [
        func.sum(case((_in_range(Installment.due_on, *edges[b]), lacking), else_=0)).label(b)
        for b in BUCKETS
    ]
    rows = session.execute(
        select(key.label("key"), Installment.currency, func.sum(lacking).label("total"), *columns)
        .where(*scoped)
        .group_by(key, Installment.currency)
        .order_by(func.sum(lacking).desc())
        .limit(limit)
    ).all()
    groups = [
        {
            "key": r.key,
            "currency": r.currency,
            "total": Decimal(r.total or 0),
            **{b: Decimal(getattr(r, b) or 0) for b in BUCKETS},
        }
        for r in rows
    ]
    totals = _currency_totals(session, principal, currency, today)
    return {"group_by": group_by, "as_of": today, "groups": groups, "currencies": totals}


def _currency_totals(
    session: Session, principal: Principal, currency: str | None, today: date
) -> list[dict[str, Any]]:
    scope = scope_clause(principal, Installment.owner_id, Installment.team_id)
    where = [scope] + ([Installment.currency == currency] if currency else [])
    lacking = Installment.amount - Installment.received
    periods = []
    start, end = today.replace(day=1), today
    for _ in range(3):  # this month so far and the two before
        periods.append((start, end))
        end = start - timedelta(days=1)
        start = end.replace(day=1)
    # One pass over the installments: what is outstanding, and what fell due and
    # was received in each period.
    is_open = and_(Installment.received < Installment.amount)
    columns = [func.sum(case((is_open, lacking), else_=0))]
    for start, end in periods:
        in_period = _in_range(Installment.due_on, start, min(end, today))
        columns.append(func.sum(case((in_period, Installment.amount), else_=0)))
        columns.append(func.sum(case((in_period, Installment.received), else_=0)))
    rows = session.execute(
        select(Installment.currency, *columns)
        .where(*where, Installment.void.is_(False))
        .group_by(Installment.currency)
    ).all()
    outstanding: dict[str, Any] = {}
    rates: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        cur = row[0]
        outstanding[cur] = row[1]
        for i, (start, end) in enumerate(periods):
            due, received = Decimal(str(row[2 + 2 * i] or 0)), Decimal(str(row[3 + 2 * i] or 0))
            if due == 0 and received == 0:
                continue
            rates.setdefault(cur, []).append(
                {
                    "from": start,
                    "to": end,
                    "due": due,
                    "received": received,
                    "rate": collection_rate(received, due),
                }
            )
    since = today - timedelta(days=90)
    order_scope = [scope_clause(principal, Order.owner_id, Order.team_id)]
    if currency:
        order_scope.append(Order.currency == currency)
    billed = dict(
        session.execute(
            select(Order.currency, func.sum(Order.amount))
            .where(
                *order_scope,
                Order.created_at >= datetime.combine(since, time(), UTC),
                Order.fulfilment != "cancelled",
            )
            .group_by(Order.currency)
        ).all()
    )
    out = []
    for cur in sorted(set(outstanding) | set(billed)):
        owed = Decimal(str(outstanding.get(cur) or 0))
        out.append(
            {
                "currency": cur,
                "outstanding": owed,
                "dso": dso(owed, Decimal(billed.get(cur) or 0), 90),
                "collection": rates.get(cur, []),
            }
        )
    return out


def _days(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return later - earlier
    return func.julianday(later) - func.julianday(earlier)


def lateness(
    session: Session, currency: str, before: date | None = None
) -> tuple[dict[uuid.UUID, Lateness], Lateness]:
    """Per-customer and segment lateness from installments paid in full (before ``before``)."""
    dialect = session.get_bind().dialect.name
    late = _days(Installment.paid_on, Installment.due_on, dialect)
    where = [
        Installment.paid_on.is_not(None),
        Installment.void.is_(False),
        Installment.currency == currency,
    ]
    if before is not None:
        where.append(Installment.paid_on < before)
    rows = session.execute(
        select(Installment.customer_id, func.count(), func.avg(late), func.avg(func.abs(late)))
        .where(*where)
        .group_by(Installment.customer_id)
    ).all()
    customers = {}
    total = 0
    weighted = 0.0
    spread = 0.0
    for customer_id, count, mean, mean_abs in rows:
        mean = float(mean or 0)
        # Spread approximated by how far |late| strays from the mean (cheap in SQL).
        dev = abs(float(mean_abs or 0) - abs(mean)) + 1.0
        customers[customer_id] = Lateness(int(count), mean, dev)
        total += int(count)
        weighted += mean * int(count)
        spread += dev * int(count)
    segment = Lateness(total, weighted / total, spread / total) if total else stats_of([])
    return customers, segment


def cash_forecast(
    session: Session, principal: Principal, currency: str, weeks: int, today: date
) -> dict[str, Any]:
    """Expected cash per week for ``weeks`` weeks, its band, and a backtest."""
    customers, segment = lateness(session, currency)
    start = today - timedelta(days=today.weekday())
    horizon = start + timedelta(days=7 * weeks)
    scope = scope_clause(principal, Installment.owner_id, Installment.team_id)
    rows = session.execute(
        select(
            Installment.customer_id, Installment.due_on, Installment.amount - Installment.received
        ).where(
            scope,
            Installment.currency == currency,
            Installment.void.is_(False),
            Installment.received < Installment.amount,
            Installment.due_on < horizon,
        )
    ).all()
    # SQLite answers the difference as a float; str() keeps what it printed, not its binary tail.
    items = [OpenAmount(c, d, a if isinstance(a, Decimal) else Decimal(str(a))) for c, d, a in rows]
    result = forecast(items, customers, segment, start, weeks)
    return {
        "currency": currency,
        "weeks": [
            {
                "week_start": w.start,
                "expected": w.expected,
                "low": w.low,
                "high": w.high,
                "due": w.plain,
                "currency": currency,
            }
            for w in result
        ],
        "segment": {
            "paid_installments": segment.count,
            "mean_days_late": round(segment.mean_days, 1),
        },
        "backtest": backtest(session, scope, currency, weeks, start),
    }


def backtest(
    session: Session, scope: Any, currency: str, weeks: int, until: date
) -> dict[str, Any]:
    """Replay the forecast over the past ``weeks``: prior history only, vs what was paid."""
    start = until - timedelta(days=7 * weeks)
    customers, segment = lateness(session, currency, before=start)
    rows = session.execute(
        select(
            Installment.customer_id, Installment.due_on, Installment.amount, Installment.paid_on
        ).where(
            scope,
            Installment.currency == currency,
            Installment.void.is_(False),
            Installment.paid_on >= start,
            Installment.paid_on < until,
        )
    ).all()
    actual = [Decimal(0)] * weeks
    for _c, _d, amount, paid_on in rows:
        assert paid_on is not None  # filtered on paid_on above
        actual[(paid_on - start).days // 7] += Decimal(amount)
    predicted = forecast(
        [OpenAmount(c, d, Decimal(a)) for c, d, a, _p in rows], customers, segment, start, weeks
    )
    return {
        "from": start,
        "to": until,
        "installments": len(rows),
        "error_forecast": wape(actual, [w.expected for w in predicted]),
        "error_due_date": wape(actual, [w.plain for w in predicted]),
        "measure": "WAPE of weekly cash: sum |actual - predicted| / sum actual",
    }
