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
