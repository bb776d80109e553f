# ruff: noqa: E501  (the seeding SQL reads best unwrapped)
"""Orders bench: aging, cash forecast and the approvals inbox on PostgreSQL; a 10,000-line PDF.

Seeds a throwaway database (``crm_shared.db.ensure_database`` / ``drop_database``)
in bulk with INSERT … SELECT over generate_series: BENCH_CUSTOMERS customers
(default 50,000), BENCH_ORDERS orders (200,000), BENCH_INSTALLMENTS
installments (600,000) and BENCH_RECEIPTS receipts (400,000) — one million
installments and receipts — and 20,000 approval requests with their tasks.
Then times each endpoint in-process (Flask test client, real token checks,
the real SQL) and prints p50/p99 beside a plain aggregate over the same
tables measured in the same run. Timings are printed, never asserted.

``BENCH_SCALE=0.05`` runs a reduced size while developing.
"""

from __future__ import annotations

import os
import statistics
import sys

# This file is named like the service's package: keep its folder off the path.
sys.path[:] = [
    p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))
]

import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crm_shared.config import Settings  # noqa: E402
from crm_shared.db import drop_database, ensure_database  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.testing import TokenFactory  # noqa: E402
from crm_shared.web import create_service_app  # noqa: E402

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
CUSTOMERS = int(int(os.environ.get("BENCH_CUSTOMERS", "50000")) * SCALE)
ORDERS = int(int(os.environ.get("BENCH_ORDERS", "200000")) * SCALE)
INSTALLMENTS = int(int(os.environ.get("BENCH_INSTALLMENTS", "600000")) * SCALE)
RECEIPTS = int(int(os.environ.get("BENCH_RECEIPTS", "400000")) * SCALE)
REQUESTS = int(20000 * SCALE)
APPROVER = uuid.UUID("11111111-1111-1111-1111-111111111111")


def uid(prefix: str, n: str) -> str:
    # A deterministic uuid from a number, in SQL: prefix (8 hex) + the number.
    return f"('{prefix}-0000-0000-0000-' || lpad(({n})::text, 12, '0'))::uuid"


def seed(url: str) -> None:
    engine = create_engine(url)
    owners = 200
    statements = [
        f"""INSERT INTO orders (id, customer_id, owner_id, team_id, amount, paid_amount, currency, status,
                fulfilment, created_at, updated_at)
            SELECT {uid("0000000a", "g")}, {uid("0000000c", f"g % {CUSTOMERS}")}, {uid("0000000e", f"g % {owners}")},
                   {uid("0000000f", "g % 20")}, 3000, 0, CASE WHEN g % 10 = 0 THEN 'USD' ELSE 'CNY' END, 'open',
                   'active', now() - (g % 400) * interval '1 day', now()
            FROM generate_series(1, {ORDERS}) g""",
        # Three installments per order (1,000 each), due from 200 days ago to 120 days ahead.
        f"""INSERT INTO installments (id, order_id, customer_id, owner_id, team_id, currency, seq, amount, received,
                due_on, remind_days, void, paid_on, created_at)
            SELECT {uid("000000b0", "g")}, o.id, o.customer_id, o.owner_id, o.team_id, o.currency, (g - 1) % 3 + 1, 1000,
                   CASE WHEN g % 5 < 2 THEN 1000 WHEN g % 5 = 2 THEN 400 ELSE 0 END,
                   current_date - 200 + (g % 320), 3, false,
                   CASE WHEN g % 5 < 2 THEN current_date - 200 + (g % 320) + (g % 7) * 4 - 6 END, now()
            FROM generate_series(1, {INSTALLMENTS}) g
            JOIN orders o ON o.id = {uid("0000000a", f"(g - 1) / 3 % {ORDERS} + 1")}""",
        # Paid-on dates never in the future.
        "UPDATE installments SET paid_on = current_date WHERE paid_on > current_date",
        f"""INSERT INTO payments (id, order_id, amount, currency, received_at, received_on, recorded_by)
            SELECT {uid("000000d0", "g")}, {uid("0000000a", f"g % {ORDERS} + 1")}, 1000, 'CNY',
                   now() - (g % 300) * interval '1 day', current_date - (g % 300), NULL
            FROM generate_series(1, {RECEIPTS}) g""",
        f"""INSERT INTO approval_requests (id, kind, document_id, title, round, flow_version, facts, state, status,
                submitter_id, submitted_at, decided_at, updated_at)
            SELECT {uid("000000e0", "g")}, 'contract', {uid("000000e1", "g")}, '合同 ' || g, 1, 1, '{{}}',
                   jsonb_build_object('status', 'pending', 'submitter', '{uuid.UUID(int=7)}', 'position', 0,
                     'approvals', '[]'::jsonb, 'rejected_step', null,
                     'plan', jsonb_build_array(jsonb_build_object('index', 0, 'name', '主管', 'mode', 'any',
                       'approvers', jsonb_build_array(CASE WHEN g % 100 = 0 THEN '{APPROVER}'
                         ELSE {uid("000000e2", "g % 500")}::text END), 'to_admins', false))),
                   'pending', '{uuid.UUID(int=7)}', now() - g * interval '1 minute', NULL, now()
            FROM generate_series(1, {REQUESTS}) g""",
        f"""INSERT INTO approval_tasks (id, request_id, approver_id, step_index, step_name, status, submitted_at, created_at)
            SELECT {uid("000000e3", "g")}, {uid("000000e0", "g")},
                   CASE WHEN g % 100 = 0 THEN '{APPROVER}'::uuid ELSE {uid("000000e2", "g % 500")} END,
                   0, '主管', 'open', now() - g * interval '1 minute', now()
            FROM generate_series(1, {REQUESTS}) g""",
        "ANALYZE",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def timed(call: Any, runs: int = RUNS) -> tuple[float, float]:
    call()  # warm caches and plans
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


@dataclass
class Line:
    position: int
    sku: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    amount: Decimal


def pdf_bench() -> float:
    from orders.pdf import quote_pdf

    lines = [
        Line(
            i,
            f"SKU-{i:05d}",
            f"企业版许可证 第{i}项 licence",
            Decimal(3),
            Decimal("1200.00"),
            Decimal(10),
            Decimal("3240.00"),
        )
        for i in range(1, 10001)
    ]
    quote = type(
        "Q",
        (),
        dict(
            number="BJ-2026-BENCH",
            version=1,
            customer_name="北京示例科技有限公司",
            customer_id=None,
            currency="CNY",
            valid_until=date.today(),
            title="万行报价",
            subtotal=Decimal("32400000.00"),
            discount_amount=Decimal(0),
            document_discount=Decimal(0),
            tax_amount=Decimal("4212000.00"),
            total=Decimal("36612000.00"),
        ),
    )
    start = time.perf_counter()
    body = quote_pdf(quote, lines)
    seconds = time.perf_counter() - start
    print(f"PDF, 10,000 lines: {seconds:.2f} s ({len(body) / 1e6:.1f} MB)")
    return seconds


def advance_bench(url: str) -> None:
    """The daily job moving the balances to tomorrow while receipts are recorded.

    A second thread records 1.00 receipts on seeded orders, each on its own
    connection with ``lock_timeout`` 5 s, for as long as the build runs; their
    latency is printed beside the same receipt recorded with no build running.
    """
    import threading
    from datetime import timedelta

    from crm_shared.auth import Principal
    from crm_shared.db import Database
    from orders import balances, receivables

    db = Database(url, service="orders", pool_size=2)
    admin = Principal(uuid.uuid4(), "bench", frozenset({"admin"}))
    today = date.today()
    order_ids = iter(
        uuid.UUID(f"0000000a-0000-0000-0000-{g:012d}") for g in range(1, ORDERS) if g % 10
    )

    def receipt() -> float:
        start = time.perf_counter()
        with db.session() as session:
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            receivables.record_receipt(
                session,
                admin,
                next(order_ids),
                {"amount": Decimal(1), "currency": "CNY", "received_on": today},
                today,
            )
            session.commit()
        return (time.perf_counter() - start) * 1000

    quiet = sorted(receipt() for _ in range(20))
    done = threading.Event()
    during: list[float] = []
    failures: list[str] = []

    def keep_paying() -> None:
        while not done.is_set():
            try:
                during.append(receipt())
            except Exception as exc:  # a lock_timeout would land here
                failures.append(type(exc).__name__)
            time.sleep(0.05)

    payer = threading.Thread(target=keep_paying)
    start = time.perf_counter()
    payer.start()
    try:
        counts = balances.advance(db, today + timedelta(days=1))
    finally:
        done.set()
        payer.join()
    seconds = time.perf_counter() - start
    during.sort()
    print(
        f"daily job, balances moved to tomorrow beside the live ones: {seconds:.1f} s {counts}; "
        f"{len(during)} receipts recorded meanwhile, p50 {statistics.median(during):.1f} ms, "
        f"max {during[-1]:.1f} ms, {len(failures)} failed {sorted(set(failures))} "
        f"(reference: the same receipt with no build running p50 {statistics.median(quiet):.1f} ms, "
        f"max {quiet[-1]:.1f} ms)"
    )
    db.dispose()


def main() -> None:
    from orders.service import SERVICE

    url = (
        make_url(PG)
        .set(database=f"crm_bench_orders_{uuid.uuid4().hex[:8]}")
        .render_as_string(hide_password=False)
    )
    ensure_database(url)
    try:
        upgrade(SERVICE, url)
        start = time.perf_counter()
        seed(url)
        print(
            f"seeded {CUSTOMERS:,} customers, {ORDERS:,} orders, {INSTALLMENTS:,} installments, "
            f"{RECEIPTS:,} receipts, {REQUESTS:,} approval requests in {time.perf_counter() - start:.1f} s"
        )
        # The bulk seed bypassed the use cases: build the kept figures as `migrate` does.
        from crm_shared.db import Database
        from orders import balances, reports

        db = Database(url, service="orders", pool_size=1)
        with db.session() as session:
            start = time.perf_counter()
            counts = balances.rebuild(session, date.today())
            session.commit()
            print(f"receivables rebuild (backfill): {time.perf_counter() - start:.1f} s {counts}")
            start = time.perf_counter()
            stored = reports.backtest_job_run(session, date.today())
            session.commit()
            print(f"backtest job ({stored} stored): {time.perf_counter() - start:.1f} s")
        db.dispose()
        tokens = TokenFactory()
        settings = Settings(
            service="orders",
            database_url=url,
            broker_url="memory://",
            jwks_url="file:///dev/null",
            jwt_issuer=tokens.issuer,
            jwt_audience=tokens.audience,
            bus_namespace="bench",
            delivery_limit=3,
            extra={},
        )
        app = create_service_app(SERVICE, settings, verifier=tokens.verifier())
        client = app.test_client()
        admin = tokens.headers(roles=("admin",))
        approver = tokens.headers(user_id=APPROVER, roles=("manager",))
        engine = create_engine(url)

        def get(path: str, headers: dict[str, str]) -> Any:
            def call() -> None:
                response = client.get(path, headers=headers)
                assert response.status_code == 200, response.json

            return call

        def plain(sql: str) -> Any:
            def call() -> None:
                with engine.connect() as conn:
                    conn.execute(text(sql)).all()

            return call

        rows = [
            (
                "aging (per customer, top 100)",
                get("/api/v1/orders/receivables/aging?currency=CNY", admin),
                "SELECT i.customer_id, sum(i.amount - i.received) FROM installments i "
                "WHERE NOT i.void AND i.received < i.amount AND i.currency = 'CNY' GROUP BY i.customer_id "
                "ORDER BY 2 DESC LIMIT 100",
            ),
            (
                "cash forecast (13 weeks + backtest)",
                get("/api/v1/orders/cash-forecast?currency=CNY&weeks=13", admin),
                "SELECT date_trunc('week', i.due_on), sum(i.amount - i.received) FROM installments i "
                "WHERE NOT i.void AND i.received < i.amount AND i.currency = 'CNY' "
                "AND i.due_on < current_date + 91 GROUP BY 1",
            ),
            (
                "approvals inbox (mine=pending, 50)",
                get("/api/v1/orders/approvals?mine=pending&limit=50", approver),
                f"SELECT request_id FROM approval_tasks WHERE approver_id = '{APPROVER}' AND status = 'open' "
                "ORDER BY submitted_at, id LIMIT 50",
            ),
        ]
        print(f"{'endpoint':40} {'p50 ms':>8} {'p99 ms':>8}   {'reference p50':>13} {'p99':>8}")
        for name, call, sql in rows:
            p50, p99 = timed(call)
            r50, r99 = timed(plain(sql))
            print(f"{name:40} {p50:8.1f} {p99:8.1f}   {r50:13.1f} {r99:8.1f}")
        # The reference path (what answered before the kept figures), a few runs.
        from crm_shared.auth import Principal

        everyone = Principal(uuid.uuid4(), "bench", frozenset({"admin"}))
        session = app.extensions["crm"].db.session()
        for name, call in (
            (
                "aging, reference path",
                lambda: reports.aging_reference(
                    session, everyone, "customer", "CNY", date.today(), 100
                ),
            ),
            (
                "forecast, reference path",
                lambda: reports.forecast_reference(session, everyone, "CNY", 13, date.today()),
            ),
        ):
            p50, p99 = timed(call, runs=3)
            print(f"{name:40} {p50:8.1f} {p99:8.1f}")
        session.close()
        forecast = client.get(
            "/api/v1/orders/cash-forecast?currency=CNY&weeks=13", headers=admin
        ).json
        print(
            "backtest:",
            {
                k: forecast["backtest"][k]
                for k in ("installments", "error_forecast", "error_due_date", "computed_at")
            },
        )
        app.extensions["crm"].db.dispose()
        engine.dispose()
        advance_bench(url)
        pdf_bench()
    finally:
        drop_database(url)


if __name__ == "__main__":
    sys.exit(main())
