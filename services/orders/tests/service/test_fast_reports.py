"""Aging and the cash forecast from the pre-aggregated tables equal the reference computation
from the installments, to the cent, in every scope and currency (SQLite, embedded mode)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from orders import balances, reports
from orders.models import CashWeek, PaymentHabit, ReceivableBalance

CURRENCIES = (None, "CNY", "USD", "JPY")


def assert_fast_equals_reference(svc, principals, today):
    with svc.db.session() as session:
        assert balances.built_as_of(session) == today
        for principal in principals:
            for group_by in ("customer", "owner", "team"):
                for currency in CURRENCIES:
                    for limit in (3, 1000):
                        args = (session, principal, group_by, currency, today, limit)
                        assert reports.aging_fast(*args) == reports.aging_reference(*args), (
                            principal.username,
                            group_by,
                            currency,
                        )
            for currency in CURRENCIES[1:]:
                for weeks in (1, 13, 30):
                    args = (session, principal, currency, weeks, today)
                    fast, fast_segment = reports.forecast_fast(*args)
                    slow, slow_segment = reports.forecast_reference(*args)
                    assert fast == slow, (principal.username, currency, weeks)
                    assert fast_segment == slow_segment


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_figures_equal_the_reference_after_every_change_and_after_a_rebuild(
    svc, random_book, seed
):
    today = date.today()
    principals = random_book(svc, seed, customers=15)
    # Kept up to date change by change (the harness built the empty tables first) ...
    assert_fast_equals_reference(svc, principals, today)
    with svc.db.session() as session:
        kept = sorted(
            (str(r.customer_id), r.currency, r.outstanding, r.billed)
            for r in session.scalars(select(ReceivableBalance))
        )
        weeks = sorted(
            (str(w.owner_id), w.currency, w.kind, w.week_on, w.units)
            for w in session.scalars(select(CashWeek))
            if w.units
        )
        assert kept and session.scalar(select(PaymentHabit.paid).where(PaymentHabit.paid >= 3))
        # ... and a rebuild from scratch finds the very same figures.
        balances.rebuild(session, today)
        session.commit()
        assert kept == sorted(
            (str(r.customer_id), r.currency, r.outstanding, r.billed)
            for r in session.scalars(select(ReceivableBalance))
        )
        assert weeks == sorted(
            (str(w.owner_id), w.currency, w.kind, w.week_on, w.units)
            for w in session.scalars(select(CashWeek))
        )
    assert_fast_equals_reference(svc, principals, today)


def test_reports_answer_from_the_installments_until_the_figures_are_of_today(svc, random_book):
    principals = random_book(svc, 7, customers=8)
    tomorrow = date.today() + timedelta(days=1)
    with svc.db.session() as session:
        args = (session, principals[0], "customer", None, tomorrow, 100)
        # Not rebuilt for tomorrow yet: the reference answers (buckets move with the day).
        assert reports.aging(*args) == reports.aging_reference(*args)
        balances.rebuild(session, tomorrow)
        assert reports.aging_fast(*args) == reports.aging_reference(*args)


def test_the_backtest_is_served_as_the_job_stored_it(svc, random_book):
    random_book(svc, 11, customers=10)
    today = date.today()
    with svc.db.session() as session:
        first = reports.stored_backtest(session, "CNY", 13, today)
        session.commit()
        again = reports.stored_backtest(session, "CNY", 13, today)
        assert again == first and "computed_at" in first
        fresh = reports.backtest(session, "CNY", 13, today - timedelta(days=today.weekday()))
        assert {k: v for k, v in first.items() if k != "computed_at"} == fresh
    assert svc.run_job("cash-backtests") == {"backtests": 2}  # USD and JPY were missing
    assert svc.run_job("cash-backtests") == {"backtests": 0}  # this week's are stored


def test_money_sums_are_exact_on_sqlite(svc):
    """0.10 + 0.20 as floats is 0.30000000000000004, and text compares "50.00" > "100.00":
    the reports never sum or compare amounts as SQLite floats or strings."""
    import uuid

    admin = svc.user("admin")
    customer = uuid.uuid4()
    orders = []
    for amount in ("0.10", "0.20", "100.00"):
        svc.deliver(
            svc.event(
                "deal.won",
                {
                    "opportunity_id": str(uuid.uuid4()),
                    "customer_id": str(customer),
                    "name": "小额",
                    "amount": amount,
                    "currency": "CNY",
                    "owner_id": str(admin.id),
                    "team_id": None,
                    "won_at": "2026-11-20T10:00:00Z",
                },
            )
        )
    orders = svc.client.get("/api/v1/orders", headers=admin.headers).json["items"]
    due = (date.today() - timedelta(days=40)).isoformat()
    for order in orders:
        put = svc.client.put(
            f"/api/v1/orders/{order['id']}/plan",
            json={"installments": [{"amount": order["amount"], "due_on": due}]},
            headers=admin.headers,
        )
        assert put.status_code == 200, put.json
    big = next(o for o in orders if o["amount"] == "100.00")
    paid = svc.client.post(
        f"/api/v1/orders/{big['id']}/payments",
        json={"amount": "50.00", "currency": "CNY"},
        headers=admin.headers,
    )
    assert paid.status_code == 201
    for rebuilt in (False, True):
        if rebuilt:
            with svc.db.session() as session:
                balances.rebuild(session, date.today())
                session.commit()
        with svc.db.session() as session:
            report = reports.aging_reference(
                session, principal_of(admin), "customer", "CNY", date.today(), 100
            )
        assert report["groups"][0]["total"] == Decimal("50.30")
        assert report["groups"][0]["31_60"] == Decimal("50.30")
        body = svc.client.get(
            "/api/v1/orders/receivables/aging?currency=CNY", headers=admin.headers
        ).json
        assert body["groups"][0]["total"] == "50.30"
        assert body["currencies"][0]["outstanding"] == "50.30"


def principal_of(user):
    from crm_shared.auth import Principal

    return Principal(user.id, user.username, frozenset(user.roles), user.team_id)


def test_the_daily_job_moves_the_figures_to_the_new_day_beside_the_live_ones(svc, random_book):
    principals = random_book(svc, 5, customers=12)
    today = date.today()
    tomorrow = today + timedelta(days=1)
    counts = balances.advance(svc.db, tomorrow, chunk=4)
    assert counts["customers"] > 0 and counts["balances"] > 0
    assert balances.advance(svc.db, tomorrow) == {}  # already of that day
    assert_fast_equals_reference(svc, principals, tomorrow)
    with svc.db.session() as session:
        assert set(session.scalars(select(ReceivableBalance.as_of).distinct())) == {tomorrow}
        assert session.scalar(select(balances.ReceivablesState.building)) is None


def test_the_job_builds_tomorrows_figures_before_midnight_and_switches_after_it(
    svc, random_book, monkeypatch
):
    from datetime import UTC, datetime, time

    from orders import receivables
    from orders.models import Order

    principals = random_book(svc, 9, customers=10)
    today = date.today()
    tomorrow = today + timedelta(days=1)
    clock = {"now": datetime.combine(today, time(12, 0), tzinfo=UTC)}
    monkeypatch.setattr(balances, "utcnow", lambda: clock["now"])
    assert svc.run_job("receivables-rebuild") == {}  # midday: nothing to do
    clock["now"] = datetime.combine(today, time(23, 30), tzinfo=UTC)
    ahead = svc.run_job("receivables-rebuild")
    assert ahead["customers"] > 0
    with svc.db.session() as session:
        current = balances.state(session)
        assert (current.as_of, current.building, current.ready) == (today, tomorrow, tomorrow)
        # A receipt before midnight lands in today's figures and is noted for tomorrow's.
        order = session.scalars(
            select(Order).where(Order.fulfilment != "cancelled", Order.amount > Order.paid_amount)
        ).first()
        receivables.record_receipt(
            session,
            principals[0],
            order.id,
            {"amount": order.amount - order.paid_amount, "currency": order.currency},
            today,
        )
        session.commit()
    assert_fast_equals_reference(svc, principals, today)
    clock["now"] = datetime.combine(tomorrow, time(0, 1), tzinfo=UTC)
    switched = svc.run_job("receivables-rebuild")
    assert switched["customers"] == 0 and switched["caught_up"] >= 1  # only caught up
    assert_fast_equals_reference(svc, principals, tomorrow)
