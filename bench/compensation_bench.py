"""Compensation figures on PostgreSQL, beside a plain aggregate over the same tables.

Seeds a throwaway database with 1,000 reps in 20 teams, 1,000,000 ledger
lines over twelve months (April 2025 to March 2026) and 250,000 performance
facts, then measures through the service's own app (real PostgreSQL):

- closing March 2026 for every rep (true-ups and ``performance.calculated``; target < 30 s),
  beside ``SELECT owner_id, sum(amount) ... GROUP BY owner_id`` over that month;
- a rep's statement, p50 / p99 over BENCH_STATEMENTS requests (target p99 < 200 ms),
  beside the plain indexed ``SELECT`` of the same rep's lines.

Timings are printed, never asserted. Environment: CRM_BENCH_DATABASE_URL,
BENCH_LINES (default 1,000,000), BENCH_REPS (default 1,000), BENCH_STATEMENTS (default 200).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from compensation.service import SERVICE
from crm_shared.db import drop_database, ensure_database
from crm_shared.migrations import upgrade
from crm_shared.testing import ServiceHarness, TokenFactory

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LINES = int(os.environ.get("BENCH_LINES", "1000000"))
REPS = int(os.environ.get("BENCH_REPS", "1000"))
STATEMENTS = int(os.environ.get("BENCH_STATEMENTS", "200"))
MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def seed(url: str, reps: list[uuid.UUID], teams: list[uuid.UUID]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE reps (n int, id uuid, team uuid)"))
        conn.execute(
            text("INSERT INTO reps VALUES (:n, :id, :team)"),
            [{"n": i, "id": r, "team": teams[i % len(teams)]} for i, r in enumerate(reps)],
        )
        conn.execute(text("CREATE TEMP TABLE months (n int, month text)"))
        conn.execute(
            text("INSERT INTO months VALUES (:n, :m)"),
            [{"n": i, "m": m} for i, m in enumerate(MONTHS)],
        )
        conn.execute(
            text(
                """
                INSERT INTO ledger_lines (id, owner_id, team_id, period, kind, currency,
                    base_amount, amount, plan_id, ref_id, source_type, created_at)
                SELECT gen_random_uuid(), r.id, r.team, m.month, 'accrual', 'CNY',
                       (g % 5000 + 100)::numeric, ((g % 5000 + 100) * 0.03)::numeric(20,2),
                       NULL, gen_random_uuid(), 'payment.received', now()
                FROM generate_series(0, :lines - 1) AS g
                JOIN reps r ON r.n = g % :reps
                JOIN months m ON m.n = (g / :reps) % 12
                """
            ),
            {"lines": LINES, "reps": len(reps)},
        )
        conn.execute(
            text(
                """
                INSERT INTO performance_facts (id, kind, ref_id, owner_id, team_id, period,
                    event_period, adjustment, amount, currency, satisfaction, occurred_at)
                SELECT gen_random_uuid(),
                       (ARRAY['won','collected','satisfaction','qualified_lead'])[g % 4 + 1],
                       gen_random_uuid(), r.id, r.team, m.month, m.month, false,
                       CASE WHEN g % 4 < 2 THEN (g % 9000 + 100)::numeric END,
                       CASE WHEN g % 4 < 2 THEN 'CNY' END,
                       CASE WHEN g % 4 = 2 THEN g % 5 + 1 END, now()
                FROM generate_series(0, :facts - 1) AS g
                JOIN reps r ON r.n = g % :reps
                JOIN months m ON m.n = (g / :reps) % 12
                """
            ),
            {"facts": LINES // 4, "reps": len(reps)},
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()


def main() -> None:
    name = f"crm_bench_compensation_{uuid.uuid4().hex[:8]}"
    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    ensure_database(url)
    try:
        upgrade(SERVICE, url)
        rnd = random.Random(1)
        reps = [uuid.UUID(int=rnd.getrandbits(128)) for _ in range(REPS)]
        teams = [uuid.uuid4() for _ in range(20)]
        started = time.perf_counter()
        seed(url, reps, teams)
        seeded = time.perf_counter() - started
        harness = ServiceHarness(SERVICE, TokenFactory(), database_url=url)
        admin = harness.user("admin")
        plan = {
            "name": "bench",
            "currency": "CNY",
            "base": "collected",
            "tiers": [
                {"from": "0", "to": "80", "rate": "3"},
                {"from": "80", "to": None, "rate": "5"},
            ],
        }
        assert (
            harness.client.post(
                "/api/v1/compensation/plans", json=plan, headers=admin.headers
            ).status_code
            == 201
        )

        engine = create_engine(url)
        with engine.connect() as conn:
            t0 = time.perf_counter()
            conn.execute(
                text(
                    "SELECT owner_id, sum(amount) FROM ledger_lines WHERE period = '2026-03'"
                    " GROUP BY owner_id"
                )
            ).all()
            reference_close = time.perf_counter() - t0
        t0 = time.perf_counter()
        closed = harness.client.post(
            "/api/v1/compensation/periods/2026-03/close", headers=admin.headers
        )
        close_seconds = time.perf_counter() - t0
        assert closed.status_code == 200, closed.json

        statement_times, plain_times = [], []
        with engine.connect() as conn:
            for i in range(STATEMENTS):
                rep = reps[i % len(reps)]
                t0 = time.perf_counter()
                conn.execute(
                    text("SELECT * FROM ledger_lines WHERE owner_id = :o AND period = '2026-03'"),
                    {"o": rep},
                ).all()
                plain_times.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                response = harness.client.get(
                    "/api/v1/compensation/statements",
                    query_string={"owner_id": str(rep), "period": "2026-03"},
                    headers=admin.headers,
                )
                statement_times.append(time.perf_counter() - t0)
                assert response.status_code == 200
        engine.dispose()
        harness.close()
        figures = {
            "cores": os.cpu_count(),
            "load": os.getloadavg()[0],
            "ledger_lines": LINES,
            "reps": REPS,
            "seed_seconds": round(seeded, 1),
            "close_seconds": round(close_seconds, 2),
            "close_reps": closed.json["reps"],
            "reference_aggregate_seconds": round(reference_close, 3),
            "statement_p50_ms": round(statistics.median(statement_times) * 1000, 1),
            "statement_p99_ms": round(pct(statement_times, 99), 1),
            "plain_select_p50_ms": round(statistics.median(plain_times) * 1000, 2),
            "plain_select_p99_ms": round(pct(plain_times, 99), 2),
        }
        print(
            f"period close, {REPS} reps over {LINES:,} ledger lines: "
            f"{figures['close_seconds']} s (target < 30 s); plain aggregate "
            f"{figures['reference_aggregate_seconds']} s"
        )
        print(
            f"statement p50/p99: {figures['statement_p50_ms']} / {figures['statement_p99_ms']} ms "
            f"(target p99 < 200 ms); plain indexed select p50/p99: "
            f"{figures['plain_select_p50_ms']} / {figures['plain_select_p99_ms']} ms"
        )
        print(json.dumps({"compensation": figures}))
        out = os.path.join(os.path.dirname(__file__), "results")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, f"compensation-{int(time.time())}.json"), "w") as fh:
            json.dump(figures, fh)
    finally:
        drop_database(url)


if __name__ == "__main__":
    tempfile.tempdir = None
    main()
