"""Receivables kept pre-aggregated, so aging and the cash forecast read small tables.

Derived tables, all from installments and orders:

- ``receivable_balances``: per customer, owner, team and currency, the
  outstanding amount in aging buckets, what fell due and was received in
  each collection period, and what was billed in the last 90 days — as of a
  day (``as_of``). The live rows are those of ``receivables_state.as_of``;
  buckets move with the calendar, so the ``receivables-rebuild`` job builds
  the next day's rows beside them (``advance``) and then switches over. Until
  it has, reports compute from the installments.
- ``receivable_customers`` (per customer and currency, all owners together:
  the aging list's top rows off an index) and ``receivable_totals`` (every
  figure per owner, team and currency: a few hundred rows) roll the balances
  up, for the same day.
- ``payment_habits``: per customer and currency, their paid installments
  as whole-number sums (count, days late, |days late|), and what they add
  to ``cash_weeks``.
- ``cash_weeks``: the expected/low/high/due cash of established customers
  (whose own history sets their shift) per owner, team, kind and week, and
  (kind ``open``, by due date) what customers without any history still owe.
  Neither depends on the day, so the daily job leaves them alone.

``refresh`` recomputes one customer from their rows in the same transaction
as every change (receipt, refund, plan, cancellation, new or amended order),
holding their ``payment_habits`` row as a lock so two changes for one
customer apply one after the other. While a build runs it also notes the
customer in ``receivables_changes``; the build recomputes those before it
switches, so it never holds writers for longer than that last catch-up.
``rebuild`` recomputes everything (the backfill after ``migrate``).
Amounts are whole ten-thousandths: sums are exact on every database.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm_shared.db import Database, utcnow

from .models import (
    CashWeek,
    Installment,
    Order,
    PaymentHabit,
    ReceivableBalance,
    ReceivableCustomer,
    ReceivablesChange,
    ReceivablesState,
    ReceivableTotal,
)
from .models.money import AGING_COLUMNS, NO_TEAM
from .rules.aging import BUCKETS, FIGURES, balance, to_units
from .rules.forecast import (
    PaymentSums,
    cash_days,
    established,
    lateness_of,
    shift_of,
    sums_of,
    week_of,
)

STATE_ID = 1
# ReceivableBalance column of each figure (bucket names start with a digit).
COLUMNS = {**{b: b if b == "current" else f"d{b}" for b in BUCKETS}}
COLUMNS.update({f: f for f in FIGURES if f not in COLUMNS})

CashKey = tuple[uuid.UUID, uuid.UUID | None, str, date]  # owner, team, kind, week
OwnerKey = tuple[uuid.UUID, uuid.UUID | None]  # owner, team
Balances = dict[OwnerKey, dict[str, Decimal]]
TOTAL_COLUMNS = tuple(COLUMNS[f] for f in FIGURES)
Totals = dict[tuple[OwnerKey, str], list[int]]  # ((owner, team), currency) -> TOTAL_COLUMNS


def insert_for(session: Session) -> Any:
    """The dialect's INSERT (it has ON CONFLICT on PostgreSQL and SQLite)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def state(session: Session, *, lock: str | None = None) -> ReceivablesState | None:
    """The state row; ``lock`` "share" (a writer) or "update" (the rebuild)."""
    statement = select(ReceivablesState).where(ReceivablesState.id == STATE_ID)
    if lock == "share":
        statement = statement.with_for_update(read=True)
    elif lock == "update":
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).first()


def built_as_of(session: Session) -> date | None:
    """The day the balances' buckets are as of; None until the first rebuild."""
    row = state(session)
    return row.as_of if row else None


InstRow = tuple[uuid.UUID, uuid.UUID | None, Decimal, Decimal, date, date | None]
OrderRow = tuple[uuid.UUID, uuid.UUID | None, Decimal, datetime]


def customer_figures(
    installments: Sequence[InstRow], orders: Sequence[OrderRow], as_of: date
) -> tuple[
    dict[tuple[uuid.UUID, uuid.UUID | None], dict[str, Decimal]], PaymentSums, dict[CashKey, int]
]:
    """One customer's balances per (owner, team), payment sums and cash contribution.

    ``installments``: (owner, team, amount, received, due_on, paid_on) of live ones;
    ``orders``: (owner, team, amount, created_at) of live orders.
    """
    balances = customer_balances(installments, orders, as_of)
    sums = sums_of((paid - due).days for *_x, due, paid in installments if paid is not None)
    cash: dict[CashKey, int] = defaultdict(int)
    if sums.count == 0:
        # No history: the segment's shift, the same for all such customers, is applied
        # per request to these amounts, kept by due date ("open").
        for owner, team, amount, received, due_on, _paid in installments:
            if received < amount:
                cash[(owner, team, "open", due_on)] += to_units(amount - received)
    elif established(sums.count):
        # Their own history alone gives the shift: it does not move with the segment.
        shift = shift_of(lateness_of(sums))
        for owner, team, amount, received, due_on, _paid in installments:
            if received < amount:
                for kind, day, part in cash_days(due_on, amount - received, shift):
                    cash[(owner, team, kind, week_of(day))] += to_units(part)
    return balances, sums, dict(cash)


def customer_balances(
    installments: Sequence[InstRow], orders: Sequence[OrderRow], as_of: date
) -> Balances:
    """One customer's balance figures per (owner, team) as of ``as_of`` (see ``balance``)."""
    dues: dict[OwnerKey, list[tuple[Decimal, Decimal, date]]] = defaultdict(list)
    billed: dict[OwnerKey, list[tuple[Decimal, date]]] = defaultdict(list)
    for owner, team, amount, received, due_on, _paid in installments:
        dues[(owner, team)].append((amount, received, due_on))
    for owner, team, amount, created_at in orders:
        billed[(owner, team)].append((amount, created_at.date()))
    return {
        key: balance(dues.get(key, ()), billed.get(key, ()), as_of)
        for key in set(dues) | set(billed)
    }


def _balance_rows(
    customer_id: uuid.UUID, currency: str, as_of: date, balances: Balances
) -> list[dict[str, Any]]:
    rows = []
    for (owner, team), figures in balances.items():
        if not any(figures.values()):
            continue
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "as_of": as_of,
            "customer_id": customer_id,
            "owner_id": owner,
            "team_id": team,
            "currency": currency,
        }
        row.update({COLUMNS[f]: to_units(v) for f, v in figures.items()})
        rows.append(row)
    return rows


def _customer_row(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``receivable_customers`` row of one customer's balance rows (None: owes nothing)."""
    if not rows:
        return None
    first = rows[0]
    row = {"as_of": first["as_of"], "customer_id": first["customer_id"]}
    row["currency"] = first["currency"]
    row.update({c: sum(r[c] for r in rows) for c in AGING_COLUMNS})
    return row if row["outstanding"] > 0 else None


def _add_totals(into: Totals, rows: Iterable[Any], sign: int) -> None:
    """Add (or take away) balance rows' figures into totals per ((owner, team), currency)."""
    for row in rows:
        values: Any = row if isinstance(row, dict) else row._mapping
        key = ((values["owner_id"], values["team_id"]), values["currency"])
        figures = into.setdefault(key, [0] * len(TOTAL_COLUMNS))
        for i, column in enumerate(TOTAL_COLUMNS):
            figures[i] += sign * int(values[column])


def _apply_totals(session: Session, as_of: date, delta: Totals) -> None:
    """Add ``delta`` to the day's ``receivable_totals`` (sorted: one lock order for all)."""
    insert_ = insert_for(session)
    for ((owner, team), currency), figures in sorted(
        delta.items(), key=lambda i: (str(i[0][0][0]), str(i[0][0][1]), i[0][1])
    ):
        if not any(figures):
            continue
        values = dict(zip(TOTAL_COLUMNS, figures, strict=True))
        statement = insert_(ReceivableTotal).values(
            as_of=as_of,
            owner_id=owner,
            team_key=team or NO_TEAM,
            team_id=team,
            currency=currency,
            **values,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["as_of", "owner_id", "team_key", "currency"],
                set_={
                    c: getattr(ReceivableTotal, c) + getattr(statement.excluded, c) for c in values
                },
            )
        )


def replace_balances(
    session: Session, customer_id: uuid.UUID, currency: str, as_of: date, balances: Balances
) -> None:
    """Put one customer's figures of ``as_of`` in place of the kept ones, rollups included
    (the caller holds the customer: their ``payment_habits`` row, or the build)."""
    rb = ReceivableBalance
    where = (rb.customer_id == customer_id, rb.currency == currency, rb.as_of == as_of)
    old = session.execute(
        select(
            rb.owner_id, rb.team_id, rb.currency, *[getattr(rb, c) for c in TOTAL_COLUMNS]
        ).where(*where)
    ).all()
    session.execute(delete(rb).where(*where))
    rows = _balance_rows(customer_id, currency, as_of, balances)
    if rows:
        session.execute(insert(rb), rows)
    session.execute(
        delete(ReceivableCustomer).where(
            ReceivableCustomer.customer_id == customer_id,
            ReceivableCustomer.currency == currency,
            ReceivableCustomer.as_of == as_of,
        )
    )
    customer = _customer_row(rows)
    if customer:
        session.execute(insert(ReceivableCustomer), [customer])
    delta: Totals = {}
    _add_totals(delta, old, -1)
    _add_totals(delta, rows, 1)
    _apply_totals(session, as_of, delta)


def _cash_json(cash: dict[CashKey, int]) -> list[list[Any]]:
    return [
        [str(o), str(t) if t else None, k, w.isoformat(), u]
        for (o, t, k, w), u in sorted(
            cash.items(), key=lambda i: (str(i[0][0]), str(i[0][1]), i[0][2], i[0][3])
        )
    ]


def _cash_of(stored: Iterable[Sequence[Any]]) -> dict[CashKey, int]:
    return {
        (uuid.UUID(o), uuid.UUID(t) if t else None, k, date.fromisoformat(w)): int(u)
        for o, t, k, w, u in stored
    }


def _add_cash(session: Session, currency: str, delta: dict[CashKey, int]) -> None:
    # Sorted, so two transactions touching the same rows lock them in one order.
    insert_ = insert_for(session)
    for (owner, team, kind, week), units in sorted(
        delta.items(), key=lambda i: (str(i[0][0]), str(i[0][1]), i[0][2], i[0][3])
    ):
        if units == 0:
            continue
        statement = insert_(CashWeek).values(
            id=uuid.uuid4(),
            owner_id=owner,
            team_key=team or NO_TEAM,
            team_id=team,
            currency=currency,
            kind=kind,
            week_on=week,
            units=units,
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["owner_id", "team_key", "currency", "kind", "week_on"],
                set_={"units": CashWeek.units + statement.excluded.units},
            )
        )


def refresh(session: Session, customer_id: uuid.UUID, currency: str) -> None:
    """Recompute one customer's figures in ``currency`` (call after changing their rows)."""
    current = state(session, lock="share")
    if current is None or current.as_of is None:
        return  # not built yet: the first rebuild computes everything
    session.flush()
    session.execute(
        insert_for(session)(PaymentHabit)
        .values(
            customer_id=customer_id,
            currency=currency,
            paid=0,
            days_late=0,
            abs_days_late=0,
            cash=[],
        )
        .on_conflict_do_nothing()
    )
    habit = session.scalars(
        select(PaymentHabit)
        .where(PaymentHabit.customer_id == customer_id, PaymentHabit.currency == currency)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    installments, orders = _rows_of(session, [customer_id], currency)
    balances, sums, cash = customer_figures(
        installments.get(customer_id, []), orders.get(customer_id, []), current.as_of
    )
    replace_balances(session, customer_id, currency, current.as_of, balances)
    if current.building is not None:
        # The job is building the next day's rows: it recomputes this customer before
        # it switches. DO UPDATE (not NOTHING) locks the note, so the build cannot
        # take it away before this change is committed and seen.
        statement = insert_for(session)(ReceivablesChange).values(
            customer_id=customer_id, currency=currency, noted_at=utcnow()
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["customer_id", "currency"],
                set_={"noted_at": statement.excluded.noted_at},
            )
        )
    old = _cash_of(habit.cash or [])
    delta = {k: cash.get(k, 0) - old.get(k, 0) for k in set(cash) | set(old)}
    _add_cash(session, currency, delta)
    session.execute(
        update(PaymentHabit)
        .where(PaymentHabit.customer_id == customer_id, PaymentHabit.currency == currency)
        .values(
            paid=sums.count,
            days_late=sums.days_late,
            abs_days_late=sums.abs_days_late,
            cash=_cash_json(cash),
        )
    )
    session.expire(habit)


def _rows_of(
    session: Session,
    customer_ids: Sequence[uuid.UUID],
    currency: str | None,
    currencies: Sequence[str] = (),
) -> tuple[dict[Any, list[InstRow]], dict[Any, list[OrderRow]]]:
    """Live installments and orders of some customers, by customer (or, without
    ``currency``, by (customer, currency) — of ``currencies``, every one there is)."""
    inst_where: list[Any] = [Installment.customer_id.in_(customer_ids), Installment.void.is_(False)]
    order_where: list[Any] = [Order.customer_id.in_(customer_ids), Order.fulfilment != "cancelled"]
    if currency is not None:
        inst_where.append(Installment.currency == currency)
        order_where.append(Order.currency == currency)
    else:
        # The installments' index leads with the currency: naming them all lets a chunk
        # of customers be looked up in it instead of scanning every installment.
        inst_where.append(Installment.currency.in_(currencies or _currencies(session)))
    installments: dict[Any, list[InstRow]] = defaultdict(list)
    for c, cur, *row in session.execute(
        select(
            Installment.customer_id,
            Installment.currency,
            Installment.owner_id,
            Installment.team_id,
            Installment.amount,
            Installment.received,
            Installment.due_on,
            Installment.paid_on,
        ).where(*inst_where)
    ):
        installments[c if currency else (c, cur)].append(tuple(row))  # type: ignore[arg-type]
    orders: dict[Any, list[OrderRow]] = defaultdict(list)
    for c, cur, *row in session.execute(
        select(
            Order.customer_id,
            Order.currency,
            Order.owner_id,
            Order.team_id,
            Order.amount,
            Order.created_at,
        ).where(*order_where)
    ):
        orders[c if currency else (c, cur)].append(tuple(row))  # type: ignore[arg-type]
    return installments, orders


def _insert_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    # One cached Core statement with many parameter sets (the driver batches them).
    # Building a multi-row VALUES statement instead costs a fresh SQL compilation per
    # batch, which was most of the rebuild's time.
    for i in range(0, len(rows), 5000):
        session.execute(insert(model.__table__), rows[i : i + 5000])


def _total_rows(as_of: date, totals: Totals) -> list[dict[str, Any]]:
    return [
        {
            "as_of": as_of,
            "owner_id": owner,
            "team_key": team or NO_TEAM,
            "team_id": team,
            "currency": currency,
            **dict(zip(TOTAL_COLUMNS, figures, strict=True)),
        }
        for ((owner, team), currency), figures in sorted(
            totals.items(), key=lambda i: (str(i[0][0][0]), str(i[0][0][1]), i[0][1])
        )
    ]


def _clear_days(session: Session, *, keep: date | None = None) -> None:
    """Delete the balances and their rollups of every day but ``keep``."""
    for model in (ReceivableBalance, ReceivableCustomer, ReceivableTotal):
        statement = delete(model)
        if keep is not None:
            statement = statement.where(model.as_of != keep)
        session.execute(statement)


def _currencies(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(Installment.currency).distinct())))


def _customers(session: Session) -> list[uuid.UUID]:
    return sorted(
        set(session.scalars(select(Order.customer_id).distinct()))
        | set(session.scalars(select(Installment.customer_id).distinct())),
        key=str,
    )


def rebuild(session: Session, today: date, *, chunk: int = 2000) -> dict[str, int]:
    """Recompute every customer's figures as of ``today`` (the caller commits).

    The backfill: holds the state row for update, so changes recorded meanwhile
    wait, then refresh their customer against the rebuilt figures. The daily
    job uses ``advance``, which holds nobody.
    """
    current = state(session, lock="update")
    if current is None:
        session.execute(
            insert_for(session)(ReceivablesState).values(id=STATE_ID).on_conflict_do_nothing()
        )
        current = state(session, lock="update")
        assert current is not None  # inserted just above
    _clear_days(session)
    session.execute(delete(ReceivablesChange))
    session.execute(delete(CashWeek))
    session.execute(delete(PaymentHabit))
    customers = _customers(session)
    currencies = _currencies(session)
    cash_totals: dict[tuple[str, CashKey], int] = defaultdict(int)
    totals: Totals = {}
    counts = {"customers": 0, "balances": 0}
    for i in range(0, len(customers), chunk):
        part = customers[i : i + chunk]
        installments, orders = _rows_of(session, part, None, currencies)
        balance_rows: list[dict[str, Any]] = []
        customer_rows: list[dict[str, Any]] = []
        habit_rows: list[dict[str, Any]] = []
        for key in sorted(set(installments) | set(orders), key=lambda k: (str(k[0]), k[1])):
            customer_id, currency = key
            balances, sums, cash = customer_figures(
                installments.get(key, []), orders.get(key, []), today
            )
            rows = _balance_rows(customer_id, currency, today, balances)
            balance_rows += rows
            customer = _customer_row(rows)
            if customer:
                customer_rows.append(customer)
            habit_rows.append(
                {
                    "customer_id": customer_id,
                    "currency": currency,
                    "paid": sums.count,
                    "days_late": sums.days_late,
                    "abs_days_late": sums.abs_days_late,
                    "cash": _cash_json(cash),
                }
            )
            for cash_key, units in cash.items():
                cash_totals[(currency, cash_key)] += units
            counts["customers"] += 1
        _insert_many(session, ReceivableBalance, balance_rows)
        _insert_many(session, ReceivableCustomer, customer_rows)
        _insert_many(session, PaymentHabit, habit_rows)
        _add_totals(totals, balance_rows, 1)
        counts["balances"] += len(balance_rows)
    _insert_many(session, ReceivableTotal, _total_rows(today, totals))
    week_rows = [
        {
            "id": uuid.uuid4(),
            "owner_id": owner,
            "team_key": team or NO_TEAM,
            "team_id": team,
            "currency": currency,
            "kind": kind,
            "week_on": week,
            "units": units,
        }
        for (currency, (owner, team, kind, week)), units in cash_totals.items()
        if units
    ]
    _insert_many(session, CashWeek, week_rows)
    current.as_of, current.building, current.ready = today, None, None
    current.rebuilt_at = utcnow()
    counts["cash_weeks"] = len(week_rows)
    return counts


def _catch_up(session: Session, day: date) -> int:
    """Recompute the ``day`` rows of the customers noted as changed (taking the notes)."""
    noted = session.execute(
        delete(ReceivablesChange).returning(
            ReceivablesChange.customer_id, ReceivablesChange.currency
        )
    ).all()
    if not noted:
        return 0
    installments, orders = _rows_of(
        session, sorted({c for c, _ in noted}, key=str), None, sorted({cur for _, cur in noted})
    )
    for customer_id, currency in sorted(noted, key=lambda n: (str(n[0]), n[1])):
        key = (customer_id, currency)
        figures = customer_balances(installments.get(key, []), orders.get(key, []), day)
        replace_balances(session, customer_id, currency, day, figures)
    return len(noted)


def advance(
    db: Database,
    day: date,
    *,
    switch: bool = True,
    chunk: int = 2000,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Move the balances to ``day``: build its rows beside the live ones, then switch.

    Only the balances move with the day (habits and cash weeks do not). The
    build commits chunk by chunk and never locks what writers lock; writers
    meanwhile keep the live rows and note their customer, and the build
    recomputes the noted ones — twice without holding anyone, then a last time
    holding the state row while it switches ``as_of``, so a writer waits at
    most for that last, short catch-up. With ``switch=False`` it stops before
    switching (the job builds tomorrow's rows ahead of midnight; a later call
    only catches up and switches). ``progress`` hears each phase (``chunk``,
    ``built``, ``switched``). Nothing built yet: the full rebuild.
    """
    note = progress or (lambda _phase: None)
    counts = {"customers": 0, "balances": 0, "caught_up": 0}
    with db.session() as session:
        current = state(session, lock="update")
        if current is None or current.as_of is None:
            counts = rebuild(session, day, chunk=chunk)
            session.commit()
            return counts
        if current.as_of == day:
            return {}
        ready = current.building == day and current.ready == day
        if not ready:
            # Rows of another day are a build cut short (or not needed): start afresh.
            _clear_days(session, keep=current.as_of)
            session.execute(delete(ReceivablesChange))
            current.building, current.ready = day, None
        session.commit()
    if not ready:
        # Every writer that did not see ``building`` had committed before it was set
        # (they hold the state row for share), so what follows reads their changes.
        counts.update(_build(db, day, chunk, note))
        with db.session() as session:
            current = state(session, lock="update")
            assert current is not None  # it was there when the build started
            current.ready = day
            session.commit()
    note("built")
    for _ in range(2):
        with db.session() as session:
            done = _catch_up(session, day)
            session.commit()
        counts["caught_up"] += done
        if not done:
            break
    if not switch:
        return counts
    with db.session() as session:
        current = state(session, lock="update")
        assert current is not None and current.ready == day  # only this job builds
        counts["caught_up"] += _catch_up(session, day)
        current.as_of, current.building, current.ready = day, None, None
        current.rebuilt_at = utcnow()
        session.commit()
    note("switched")
    with db.session() as session:
        _clear_days(session, keep=day)
        session.commit()
    return counts


def _build(db: Database, day: date, chunk: int, note: Callable[[str], None]) -> dict[str, int]:
    """Write every customer's balance rows (and rollups) of ``day``, chunk by chunk."""
    with db.session() as session:
        customers = _customers(session)
        currencies = _currencies(session)
    counts = {"customers": 0, "balances": 0}
    totals: Totals = {}
    for i in range(0, len(customers), chunk):
        with db.session() as session:
            installments, orders = _rows_of(session, customers[i : i + chunk], None, currencies)
            balance_rows: list[dict[str, Any]] = []
            customer_rows: list[dict[str, Any]] = []
            for key in sorted(set(installments) | set(orders), key=lambda k: (str(k[0]), k[1])):
                figures = customer_balances(installments.get(key, []), orders.get(key, []), day)
                rows = _balance_rows(key[0], key[1], day, figures)
                balance_rows += rows
                customer = _customer_row(rows)
                if customer:
                    customer_rows.append(customer)
                counts["customers"] += 1
            _insert_many(session, ReceivableBalance, balance_rows)
            _insert_many(session, ReceivableCustomer, customer_rows)
            session.commit()
        _add_totals(totals, balance_rows, 1)
        counts["balances"] += len(balance_rows)
        note("chunk")
    with db.session() as session:
        _insert_many(session, ReceivableTotal, _total_rows(day, totals))
        session.commit()
    return counts


# The job builds tomorrow's rows this long before midnight (UTC), keeps them caught
# up, and switches right after it: the reports never fall back to the installments.
BUILD_AHEAD = timedelta(hours=1)


def rebuild_job(db: Database, _settings: Any) -> dict[str, int]:
    """Keep the balances of today: switch to them once the day has changed (built ahead
    of midnight when the job ran then), build tomorrow's in the last hour of the day,
    and keep a build made ahead caught up."""
    now = utcnow()
    today = now.date()
    tomorrow = today + timedelta(days=1)
    with db.session() as session:
        live = built_as_of(session)
    if live != today:
        return advance(db, today)
    if now >= datetime.combine(tomorrow, time(0), tzinfo=UTC) - BUILD_AHEAD:
        return advance(db, tomorrow, switch=False)
    return {}


def bootstrap(db: Database, _settings: Any) -> None:
    """After ``migrate``: build the figures at once (the backfill)."""
    with db.session() as session:
        rebuild(session, utcnow().date())
        session.commit()
