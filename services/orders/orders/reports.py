"""Receivables reports: aging with DSO and collection rate, cash forecast with its backtest.

Each report has a fast path over the pre-aggregated tables (``balances.py``)
and a reference path computing from the installments themselves; they give
the same figures to the cent (tests compare them on random data). The
reference answers while the tables are not built for today yet.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope, scope_clause
from crm_shared.db import utcnow

from . import balances
from .models import (
    BacktestResult,
    CashWeek,
    Installment,
    Order,
    PaymentHabit,
    ReceivableBalance,
    ReceivableCustomer,
    ReceivableTotal,
)
from .rules.aging import (
    BUCKETS,
    DSO_DAYS,
    FIGURES,
    balance,
    collection_periods,
    collection_rate,
    dso,
    from_units,
)
from .rules.forecast import (
    MIN_HISTORY,
    Lateness,
    OpenAmount,
    PaymentSums,
    WeekSums,
    blended,
    cash_days,
    forecast,
    lateness_of,
    segment_of,
    shift_of,
    sums_of,
    wape,
)

Figures = dict[str, Decimal]

# The installments' column of each grouping (the reference path).
GROUPS = {
    "customer": Installment.customer_id,
    "owner": Installment.owner_id,
    "team": Installment.team_id,
}


def _add(into: Figures, figures: Figures) -> None:
    for name, value in figures.items():
        into[name] = into.get(name, Decimal(0)) + value


def _group_order(item: tuple[tuple[Any, str], Figures]) -> tuple[Any, ...]:
    (key, currency), figures = item
    return (-figures["outstanding"], key is None, str(key), currency)


def _report(
    group_by: str,
    today: date,
    groups: dict[tuple[Any, str], Figures],
    currencies: dict[str, Figures],
    limit: int,
) -> dict[str, Any]:
    """The aging answer from figures per group and per currency (both paths end here)."""
    open_groups = sorted(
        ((k, f) for k, f in groups.items() if f["outstanding"] > 0), key=_group_order
    )[:limit]
    periods = collection_periods(today)
    totals = []
    for currency in sorted(currencies):
        figures = currencies[currency]
        if not any(figures.values()):
            continue
        collection = []
        for i, (start, end) in enumerate(periods):
            due, received = figures[f"due_{i}"], figures[f"received_{i}"]
            if due == 0 and received == 0:
                continue
            collection.append(
                {
                    "from": start,
                    "to": end,
                    "due": due,
                    "received": received,
                    "rate": collection_rate(received, due),
                }
            )
        totals.append(
            {
                "currency": currency,
                "outstanding": figures["outstanding"],
                "dso": dso(figures["outstanding"], figures["billed"], DSO_DAYS),
                "collection": collection,
            }
        )
    return {
        "group_by": group_by,
        "as_of": today,
        "groups": [
            {
                "key": key,
                "currency": currency,
                "total": f["outstanding"],
                **{b: f[b] for b in BUCKETS},
            }
            for (key, currency), f in open_groups
        ],
        "currencies": totals,
    }


def aging(
    session: Session,
    principal: Principal,
    group_by: str,
    currency: str | None,
    today: date,
    limit: int,
) -> dict[str, Any]:
    """Outstanding per customer, owner or team and currency in aging buckets, DSO, collection."""
    if balances.built_as_of(session) == today:
        return aging_fast(session, principal, group_by, currency, today, limit)
    return aging_reference(session, principal, group_by, currency, today, limit)


def aging_fast(
    session: Session,
    principal: Principal,
    group_by: str,
    currency: str | None,
    today: date,
    limit: int,
) -> dict[str, Any]:
    """Aging from the kept figures as of ``today``: the groups off the narrowest table that
    answers them, the per-currency figures from ``receivable_totals``."""
    column = balances.COLUMNS
    group_figures = ("outstanding", *BUCKETS)
    rt = ReceivableTotal
    if group_by == "customer" and principal.scope is Scope.ALL:
        # Every owner's share: the top rows of an index, in the report's order.
        rc = ReceivableCustomer
        where: list[Any] = [rc.as_of == today, rc.outstanding > 0]
        if currency:
            where.append(rc.currency == currency)
        found = session.execute(
            select(
                rc.customer_id.label("key"),
                rc.currency,
                *[getattr(rc, column[f]).label(f) for f in group_figures],
            )
            .where(*where)
            .order_by(rc.outstanding.desc(), rc.customer_id, rc.currency)
            .limit(limit)
        ).all()
    else:
        # A rep's or a team's customers (their rows, few), or owners and teams (the totals).
        table: Any = ReceivableBalance if group_by == "customer" else rt
        key = getattr(table, f"{group_by}_id")
        where = [table.as_of == today, scope_clause(principal, table.owner_id, table.team_id)]
        if currency:
            where.append(table.currency == currency)
        total = func.sum(table.outstanding)
        found = session.execute(
            select(
                key.label("key"),
                table.currency,
                *[func.sum(getattr(table, column[f])).label(f) for f in group_figures],
            )
            .where(*where)
            .group_by(key, table.currency)
            .having(total > 0)
            .order_by(total.desc(), key.asc().nulls_last(), table.currency)
            .limit(limit)
        ).all()
    groups = {
        (r.key, r.currency): {f: from_units(getattr(r, f)) for f in group_figures} for r in found
    }
    where = [rt.as_of == today, scope_clause(principal, rt.owner_id, rt.team_id)]
    if currency:
        where.append(rt.currency == currency)
    per_currency = session.execute(
        select(rt.currency, *[func.sum(getattr(rt, column[f])).label(f) for f in FIGURES])
        .where(*where)
        .group_by(rt.currency)
    ).all()
    currencies = {r.currency: {f: from_units(getattr(r, f)) for f in FIGURES} for r in per_currency}
    return _report(group_by, today, groups, currencies, limit)


def aging_reference(
    session: Session,
    principal: Principal,
    group_by: str,
    currency: str | None,
    today: date,
    limit: int,
) -> dict[str, Any]:
    """Aging computed from every live installment and order in scope, in Decimal."""
    key = GROUPS[group_by]
    inst_where = [
        Installment.void.is_(False),
        scope_clause(principal, Installment.owner_id, Installment.team_id),
    ]
    order_where = [
        Order.fulfilment != "cancelled",
        scope_clause(principal, Order.owner_id, Order.team_id),
    ]
    if currency:
        inst_where.append(Installment.currency == currency)
        order_where.append(Order.currency == currency)
    dues: dict[tuple[Any, str], list[tuple[Decimal, Decimal, date]]] = defaultdict(list)
    for k, cur, amount, received, due_on in session.execute(
        select(
            key, Installment.currency, Installment.amount, Installment.received, Installment.due_on
        ).where(*inst_where)
    ):
        dues[(k, cur)].append((amount, received, due_on))
    order_key = {"customer": Order.customer_id, "owner": Order.owner_id, "team": Order.team_id}
    billed: dict[tuple[Any, str], list[tuple[Decimal, date]]] = defaultdict(list)
    for k, cur, amount, created_at in session.execute(
        select(order_key[group_by], Order.currency, Order.amount, Order.created_at).where(
            *order_where
        )
    ):
        billed[(k, cur)].append((amount, created_at.date()))
    groups = {
        k: balance(dues.get(k, ()), billed.get(k, ()), today) for k in set(dues) | set(billed)
    }
    currencies: dict[str, Figures] = {}
    for (_k, cur), figures in groups.items():
        _add(currencies.setdefault(cur, {}), figures)
    return _report(group_by, today, groups, currencies, limit)


def payment_sums(
    session: Session, currency: str, before: date | None = None
) -> dict[uuid.UUID, PaymentSums]:
    """Per customer, their installments paid in full (before ``before``) as sums, from the rows."""
    where = [
        Installment.paid_on.is_not(None),
        Installment.void.is_(False),
        Installment.currency == currency,
    ]
    if before is not None:
        where.append(Installment.paid_on < before)
    days: dict[uuid.UUID, list[int]] = defaultdict(list)
    for customer_id, due_on, paid_on in session.execute(
        select(Installment.customer_id, Installment.due_on, Installment.paid_on).where(*where)
    ):
        assert paid_on is not None  # filtered on paid_on above
        days[customer_id].append((paid_on - due_on).days)
    return {c: sums_of(d) for c, d in days.items()}


def lateness(
    session: Session, currency: str, before: date | None = None
) -> tuple[dict[uuid.UUID, Lateness], Lateness]:
    """Per-customer and segment lateness from installments paid in full (before ``before``)."""
    sums = payment_sums(session, currency, before)
    return {c: lateness_of(s) for c, s in sums.items()}, segment_of(sums.values())


def _week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _weeks_view(currency: str, weeks: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "week_start": w.start,
            "expected": w.expected,
            "low": w.low,
            "high": w.high,
            "due": w.plain,
            "currency": currency,
        }
        for w in weeks
    ]


def cash_forecast(
    session: Session, principal: Principal, currency: str, weeks: int, today: date
) -> dict[str, Any]:
    """Expected cash per week for ``weeks`` weeks, its band, and the stored backtest."""
    if balances.built_as_of(session) is not None:
        result, segment = forecast_fast(session, principal, currency, weeks, today)
    else:
        result, segment = forecast_reference(session, principal, currency, weeks, today)
    return {
        "currency": currency,
        "weeks": result,
        "segment": {
            "paid_installments": segment.count,
            "mean_days_late": round(segment.mean_days, 1),
        },
        "backtest": stored_backtest(session, currency, weeks, today),
    }


def forecast_reference(
    session: Session, principal: Principal, currency: str, weeks: int, today: date
) -> tuple[list[dict[str, Any]], Lateness]:
    """The forecast from every open installment in scope, shifted one by one in Python."""
    customers, segment = lateness(session, currency)
    rows = session.execute(
        select(
            Installment.customer_id, Installment.due_on, Installment.amount, Installment.received
        ).where(
            scope_clause(principal, Installment.owner_id, Installment.team_id),
            Installment.currency == currency,
            Installment.void.is_(False),
        )
    ).all()
    items = [OpenAmount(c, d, a - r) for c, d, a, r in rows if r < a]
    return (
        _weeks_view(currency, forecast(items, customers, segment, _week_start(today), weeks)),
        segment,
    )


def forecast_fast(
    session: Session, principal: Principal, currency: str, weeks: int, today: date
) -> tuple[list[dict[str, Any]], Lateness]:
    """The forecast from ``cash_weeks`` (established customers, grouped in SQL) plus the
    open installments of customers whose short history blends with the segment."""
    h = PaymentHabit
    count, late, spread = session.execute(
        select(
            func.coalesce(func.sum(h.paid), 0),
            func.coalesce(func.sum(h.days_late), 0),
            func.coalesce(func.sum(func.abs(h.abs_days_late - func.abs(h.days_late)) + h.paid), 0),
        ).where(h.currency == currency)
    ).one()
    segment = segment_of([])
    if count:
        segment = Lateness(int(count), int(late) / int(count), int(spread) / int(count))
    start = _week_start(today)
    sums = WeekSums(start, weeks)
    horizon = start + timedelta(days=7 * weeks)
    newcomer = shift_of(segment)  # customers without history take the segment's shift
    for kind, week_on, units in session.execute(
        select(CashWeek.kind, CashWeek.week_on, func.sum(CashWeek.units))
        .where(
            CashWeek.currency == currency,
            or_(CashWeek.week_on < horizon, CashWeek.kind == "open"),
            scope_clause(principal, CashWeek.owner_id, CashWeek.team_id),
        )
        .group_by(CashWeek.kind, CashWeek.week_on)
    ):
        if kind == "open":
            for shifted, day, part in cash_days(week_on, from_units(units), newcomer):
                sums.add(shifted, day, part)
        else:
            sums.add(kind, week_on, from_units(units))
    # Customers with one or two paid installments: blended one by one (few of them).
    short = select(h.customer_id).where(h.currency == currency, h.paid > 0, h.paid < MIN_HISTORY)
    young = {
        c: PaymentSums(paid, days, absolute)
        for c, paid, days, absolute in session.execute(
            select(h.customer_id, h.paid, h.days_late, h.abs_days_late).where(
                h.currency == currency, h.paid > 0, h.paid < MIN_HISTORY
            )
        )
    }
    if young:
        rows = session.execute(
            select(
                Installment.customer_id,
                Installment.due_on,
                Installment.amount,
                Installment.received,
            ).where(
                Installment.currency == currency,
                Installment.customer_id.in_(short),
                Installment.void.is_(False),
                scope_clause(principal, Installment.owner_id, Installment.team_id),
            )
        )
        shifts = {c: shift_of(blended(lateness_of(s), segment)) for c, s in young.items()}
        for customer_id, due_on, amount, received in rows:
            if received < amount and customer_id in shifts:
                for kind, day, part in cash_days(due_on, amount - received, shifts[customer_id]):
                    sums.add(kind, day, part)
    return _weeks_view(currency, sums.result()), segment


def backtest(session: Session, currency: str, weeks: int, until: date) -> dict[str, Any]:
    """Replay the forecast over the past ``weeks``: prior history only, vs what was paid.

    Over every customer in the currency: it measures the method, not a rep's book.
    """
    start = until - timedelta(days=7 * weeks)
    customers, segment = lateness(session, currency, before=start)
    rows = session.execute(
        select(
            Installment.customer_id, Installment.due_on, Installment.amount, Installment.paid_on
        ).where(
            true(),
            Installment.currency == currency,
            Installment.void.is_(False),
            Installment.paid_on >= start,
            Installment.paid_on < until,
        )
    ).all()
    actual = [Decimal(0)] * weeks
    for _c, _d, amount, paid_on in rows:
        assert paid_on is not None  # filtered on paid_on above
        actual[(paid_on - start).days // 7] += amount
    predicted = forecast(
        [OpenAmount(c, d, a) for c, d, a, _p in rows], customers, segment, start, weeks
    )
    return {
        "from": start,
        "to": until,
        "installments": len(rows),
        "error_forecast": wape(actual, [w.expected for w in predicted]),
        "error_due_date": wape(actual, [w.plain for w in predicted]),
        "measure": "WAPE of weekly cash: sum |actual - predicted| / sum actual",
    }


def _stored(result: BacktestResult) -> dict[str, Any]:
    data = dict(result.result)
    for name in ("from", "to"):
        data[name] = date.fromisoformat(data[name])
    for name in ("error_forecast", "error_due_date"):
        data[name] = None if data[name] is None else Decimal(data[name])
    data["computed_at"] = result.computed_at
    return data


def store_backtest(session: Session, currency: str, weeks: int, today: date) -> dict[str, Any]:
    """Compute the backtest up to this week and keep it (replacing the last one)."""
    data = backtest(session, currency, weeks, _week_start(today))
    stored = {
        **data,
        "from": data["from"].isoformat(),
        "to": data["to"].isoformat(),
        "error_forecast": None if data["error_forecast"] is None else str(data["error_forecast"]),
        "error_due_date": None if data["error_due_date"] is None else str(data["error_due_date"]),
    }
    now = utcnow()
    # An upsert: two first requests at once both store, neither fails.
    statement = balances.insert_for(session)(BacktestResult).values(
        currency=currency, weeks=weeks, result=stored, computed_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["currency", "weeks"],
            set_={"result": statement.excluded.result, "computed_at": now},
        )
    )
    return {**data, "computed_at": now}


def stored_backtest(session: Session, currency: str, weeks: int, today: date) -> dict[str, Any]:
    """The stored backtest (computed by the job); computed and stored now if there is none."""
    row = session.scalars(
        select(BacktestResult).where(
            BacktestResult.currency == currency, BacktestResult.weeks == weeks
        )
    ).first()
    if row is None:
        return store_backtest(session, currency, weeks, today)
    return _stored(row)


def backtest_job_run(session: Session, today: date) -> int:
    """Recompute the stored backtests that are not of this week yet (and 13 weeks per currency)."""
    until = _week_start(today).isoformat()
    wanted = {(c, 13) for c in session.scalars(select(Installment.currency).distinct())}
    wanted |= {
        (c, w) for c, w in session.execute(select(BacktestResult.currency, BacktestResult.weeks))
    }
    done = 0
    for currency, weeks in sorted(wanted):
        row = session.scalars(
            select(BacktestResult).where(
                BacktestResult.currency == currency, BacktestResult.weeks == weeks
            )
        ).first()
        if row is None or row.result.get("to") != until:
            store_backtest(session, currency, weeks, today)
            done += 1
    return done


def backtest_job(db: Any, _settings: Any) -> dict[str, int]:
    """Keep each currency's backtest of the week stored (it is about the past)."""
    with db.session() as session:
        done = backtest_job_run(session, utcnow().date())
        session.commit()
    return {"backtests": done}
