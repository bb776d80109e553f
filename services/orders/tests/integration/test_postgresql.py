"""Orders on real PostgreSQL: contract numbers under concurrency, receipts racing, reports' SQL."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from orders.models import Contract, Payment
from orders.service import SERVICE

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(harness_factory, pg_database):
    return harness_factory(SERVICE, database_url=pg_database("orders"))


def run_together(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def go(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_contracts_get_unique_gap_free_numbers(pg):
    admin = pg.user("admin")
    sku = pg.client.post(
        "/api/v1/products",
        json={"sku": "PG-1", "name": "许可", "list_prices": {"CNY": "10.00"}},
        headers=admin.headers,
    ).json
    reps = [pg.user() for _ in range(8)]

    def create(i):
        client = pg.app.test_client()
        quantity = (
            "0" if i % 4 == 3 else "1"
        )  # every fourth fails validation after taking no number
        body = {
            "customer_id": str(uuid.uuid4()),
            "currency": "CNY",
            "lines": [{"product_id": sku["id"], "quantity": quantity}],
        }
        return client.post("/api/v1/contracts", json=body, headers=reps[i].headers).status_code

    statuses = run_together(len(reps), create)
    assert sorted(statuses) == [201] * 6 + [422] * 2
    with pg.db.session() as s:
        numbers = sorted(s.scalars(select(Contract.number)))
    year = date.today().year
    assert numbers == [f"HT-{year}-{n:06d}" for n in range(1, 7)]


def test_racing_receipts_never_overpay_and_reports_run(pg):
    admin = pg.user("admin")
    rep = pg.user()
    deal = {
        "opportunity_id": str(uuid.uuid4()),
        "customer_id": str(uuid.uuid4()),
        "name": "D",
        "amount": "100.00",
        "currency": "CNY",
        "owner_id": str(rep.id),
        "team_id": None,
        "won_at": "2026-11-20T10:00:00Z",
    }
    pg.deliver(pg.event("deal.won", deal))
    [order] = pg.client.get("/api/v1/orders", headers=rep.headers).json["items"]
    plan = {
        "installments": [
            {"amount": "60.00", "due_on": (date.today() - timedelta(days=40)).isoformat()},
            {"amount": "40.00", "due_on": (date.today() + timedelta(days=10)).isoformat()},
        ]
    }
    assert (
        pg.client.put(
            f"/api/v1/orders/{order['id']}/plan", json=plan, headers=rep.headers
        ).status_code
        == 200
    )

    def pay(_i):
        client = pg.app.test_client()
        return client.post(
            f"/api/v1/orders/{order['id']}/payments",
            json={"amount": "30.00", "currency": "CNY"},
            headers=rep.headers,
        ).status_code

    statuses = run_together(5, pay)
    assert statuses.count(201) == 3 and all(s in (201, 409, 422) for s in statuses)
    with pg.db.session() as s:
        assert s.scalar(select(func.sum(Payment.amount))) == 90
    aging = pg.client.get(
        "/api/v1/orders/receivables/aging?currency=CNY", headers=admin.headers
    ).json
    assert aging["groups"][0]["total"] == "10.00" and aging["groups"][0]["current"] == "10.00"
    forecast = pg.client.get(
        "/api/v1/orders/cash-forecast?currency=CNY&weeks=4", headers=admin.headers
    )
    assert forecast.status_code == 200, forecast.json
    inbox = pg.client.get("/api/v1/orders/approvals?mine=pending", headers=admin.headers)
    assert inbox.status_code == 200 and inbox.json["items"] == []


def test_kept_receivables_equal_the_reference_on_postgresql(pg, random_book):
    from orders import balances, reports

    today = date.today()
    principals = random_book(pg, 5, customers=12)
    for rebuilt in (False, True):
        with pg.db.session() as session:
            if rebuilt:
                balances.rebuild(session, today)
                session.commit()
            for principal in principals:
                for group_by in ("customer", "owner", "team"):
                    for currency in (None, "CNY", "JPY"):
                        args = (session, principal, group_by, currency, today, 1000)
                        assert reports.aging_fast(*args) == reports.aging_reference(*args)
                for currency in ("CNY", "USD", "JPY"):
                    args = (session, principal, currency, 13, today)
                    assert reports.forecast_fast(*args) == reports.forecast_reference(*args)


def test_racing_receipts_of_one_customer_keep_the_figures_exact(pg):
    """Receipts on different orders of one customer at once: each refresh waits for the other."""
    from orders import balances, reports

    admin = pg.user("admin")
    customer = str(uuid.uuid4())
    for _ in range(4):
        pg.deliver(
            pg.event(
                "deal.won",
                {
                    "opportunity_id": str(uuid.uuid4()),
                    "customer_id": customer,
                    "name": "D",
                    "amount": "90.30",
                    "currency": "CNY",
                    "owner_id": str(admin.id),
                    "team_id": None,
                    "won_at": "2026-11-20T10:00:00Z",
                },
            )
        )
    orders = pg.client.get("/api/v1/orders", headers=admin.headers).json["items"]
    for i, order in enumerate(orders):
        plan = {
            "installments": [
                {"amount": "30.10", "due_on": (date.today() - timedelta(days=20 + i)).isoformat()},
                {"amount": "60.20", "due_on": (date.today() + timedelta(days=5 * i)).isoformat()},
            ]
        }
        assert (
            pg.client.put(
                f"/api/v1/orders/{order['id']}/plan", json=plan, headers=admin.headers
            ).status_code
            == 200
        )

    def pay(i):
        return (
            pg.app.test_client()
            .post(
                f"/api/v1/orders/{orders[i % 4]['id']}/payments",
                json={
                    "amount": "30.10",
                    "currency": "CNY",
                    "received_on": date.today().isoformat(),
                },
                headers=admin.headers,
            )
            .status_code
        )

    assert run_together(8, pay) == [201] * 8
    from crm_shared.auth import Principal

    principal = Principal(admin.id, admin.username, frozenset({"admin"}))
    with pg.db.session() as session:
        assert balances.built_as_of(session) == date.today()
        args = (session, principal, "customer", None, date.today(), 100)
        fast = reports.aging_fast(*args)
        assert fast == reports.aging_reference(*args)
        assert fast["groups"][0]["total"] == Decimal("120.40")  # 4 x 90.30 - 8 x 30.10
        forecast = (session, principal, "CNY", 13, date.today())
        assert reports.forecast_fast(*forecast) == reports.forecast_reference(*forecast)


def _owing_order(pg, admin, customer_id, amount, due_on):
    """An order of ``customer_id`` with one installment of ``amount`` due on ``due_on``."""
    from orders import ordering, receivables

    with pg.db.session() as session:
        order = ordering.order_from_deal(
            session,
            {
                "opportunity_id": str(uuid.uuid4()),
                "customer_id": str(customer_id),
                "owner_id": str(admin.id),
                "team_id": None,
                "amount": amount,
                "currency": "CNY",
            },
        )
        assert order is not None
        receivables.set_plan(
            session,
            admin,
            order.id,
            {"installments": [{"amount": Decimal(amount), "due_on": due_on, "remind_days": 3}]},
            date.today(),
        )
        session.commit()
        return order.id


def _pay(pg, admin, order_id, amount, lock_timeout):
    """Record a receipt on its own connection, refusing to wait longer than ``lock_timeout``."""
    from sqlalchemy import text

    from orders import receivables

    with pg.db.session() as session:
        session.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
        receivables.record_receipt(
            session,
            admin,
            order_id,
            {"amount": Decimal(amount), "currency": "CNY", "received_on": date.today()},
            date.today(),
        )
        session.commit()


def test_a_receipt_recorded_while_the_daily_build_runs_is_not_held_and_lands_to_the_cent(
    pg, random_book
):
    """The daily job builds tomorrow's balances beside today's: a receipt recorded on another
    connection in the middle of the build (lock_timeout 1 s) goes straight through, and
    after the switch the kept figures equal the installments' to the cent. Holding the
    state row as the old rebuild did makes the same receipt fail on its lock_timeout."""
    from sqlalchemy.exc import OperationalError

    from orders import balances, reports

    today = date.today()
    tomorrow = today + timedelta(days=1)
    principals = random_book(pg, 4, customers=10)
    admin = principals[0]
    first = uuid.UUID(int=1)  # sorts first: its rows are built before the pause below
    order_id = _owing_order(pg, admin, first, "1000.10", today)

    # The control: while something holds the state row, the receipt gives up.
    with pg.db.session() as holder:
        balances.state(holder, lock="update")
        with pytest.raises(OperationalError, match="lock timeout"):
            _pay(pg, admin, order_id, "0.10", "1s")
        holder.rollback()

    building, release = threading.Event(), threading.Event()

    def progress(phase):
        if phase == "chunk" and not building.is_set():
            building.set()
            assert release.wait(60)

    counts = {}
    job = threading.Thread(
        target=lambda: counts.update(balances.advance(pg.db, tomorrow, chunk=3, progress=progress))
    )
    job.start()
    try:
        assert building.wait(60)
        with pg.db.session() as session:
            assert session.get(balances.ReceivablesState, 1).building == tomorrow
        _pay(pg, admin, order_id, "300.05", "1s")  # would raise LockNotAvailable if held
        with pg.db.session() as session:
            # Today's figures took the receipt at once.
            assert reports.aging(session, admin, "customer", "CNY", today, 1000) == (
                reports.aging_reference(session, admin, "customer", "CNY", today, 1000)
            )
    finally:
        release.set()
        job.join(120)
    assert counts["caught_up"] >= 1 and counts["customers"] >= 10
    with pg.db.session() as session:
        assert balances.built_as_of(session) == tomorrow
        for principal in principals:
            for group_by in ("customer", "owner", "team"):
                for currency in (None, "CNY", "USD", "JPY"):
                    args = (session, principal, group_by, currency, tomorrow, 1000)
                    assert reports.aging_fast(*args) == reports.aging_reference(*args)
        report = reports.aging_fast(session, admin, "customer", "CNY", tomorrow, 1000)
        mine = next(g for g in report["groups"] if g["key"] == first)
        assert mine["total"] == Decimal("700.05") and mine["0_30"] == Decimal("700.05")
        # Only tomorrow's rows are left.
        assert {
            d for d in session.scalars(select(balances.ReceivableBalance.as_of).distinct())
        } == {tomorrow}
