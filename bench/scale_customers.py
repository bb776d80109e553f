"""A rep's own 50 customers of 1,000,000, most recently worked first, through the real API.

Seeds a throwaway customers database with 1,000,000 customers straight in
SQL (``INSERT ... SELECT`` over ``generate_series``: bench-only seeding):
18,000 reps owning 50 each, the rest in the default pool, follow-ups spread
over two years. Then starts the customers web app under gunicorn and times
``GET /api/v1/customers?owner_id=<rep>&sort=last_activity&limit=50`` as that
rep (token check, scope, schema, presentation), beside the plain indexed
query for the same page on the same table over one connection. Target:
p99 under 30 ms.

``CRM_BENCH_SCALE`` scales the customer count (each rep still owns 50),
``BENCH_ITER`` the requests per measurement (default 400). Results go to
``bench/results/scale-customers-<time>.json``. Timings are printed, never asserted.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

_spec = importlib.util.spec_from_file_location(
    "scale_common", Path(__file__).with_name("scale_common.py")
)
assert _spec is not None and _spec.loader is not None
common = importlib.util.module_from_spec(_spec)
sys.modules["scale_common"] = common
_spec.loader.exec_module(common)

CUSTOMERS = common.scaled(1_000_000, least=10_000)
PER_REP = 50
OWNED_SHARE = 0.9  # the rest sit in the pool, unowned
ITER = int(os.environ.get("BENCH_ITER", "400"))
TARGET_P99_MS = 30
DEFAULT_POOL = "5f0c7a52-3d1e-5b0e-9c1a-0d6f2c1b7e01"


def rep_id(n: int) -> uuid.UUID:
    """The id of seeded rep ``n`` (as the seeding SQL makes it)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bench-rep-{n}")


SEED = """
INSERT INTO customers (
    id, name, kind, email, company, source, pool_id, owner_id, team_id, created_at, updated_at,
    claimed_at, last_followup_at, tags, custom_fields, score, value, tier, version,
    phone_verified, locked, open_opportunities, won_deals
)
SELECT
    md5('bench-customer-' || i)::uuid,
    'Customer ' || i,
    'company',
    'customer' || i || '@example.com',
    'Company ' || (i % 5000),
    'bench',
    CAST(:pool AS uuid),
    CASE WHEN i < CAST(:owned AS bigint) THEN owners.id END,
    NULL,
    now() - make_interval(days => ((i * 7919) % 730)::int),
    now(),
    CASE WHEN i < CAST(:owned AS bigint)
        THEN now() - make_interval(days => ((i * 31) % 365)::int) END,
    -- A third never followed up; the rest at a spread of times.
    CASE WHEN i % 3 <> 0 THEN now() - make_interval(mins => ((i * 104729) % 525600)::int) END,
    '[]', '{}', (i % 100)::int, (i % 1000) * 10, 'potential', 0,
    true, false, 0, 0
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
LEFT JOIN bench_reps AS owners ON owners.n = i / CAST(:per_rep AS integer)
"""


def seed(url: str) -> float:
    """Seed ``CUSTOMERS`` customers; the seconds it took."""
    engine = create_engine(url)
    owned = int(CUSTOMERS * OWNED_SHARE) // PER_REP * PER_REP
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE bench_reps (n integer PRIMARY KEY, id uuid)"))
            conn.execute(
                text("INSERT INTO bench_reps VALUES (:n, :id)"),
                [{"n": n, "id": rep_id(n)} for n in range(owned // PER_REP)],
            )
            step = 200_000
            for first in range(0, CUSTOMERS, step):
                conn.execute(
                    text(SEED),
                    {
                        "pool": DEFAULT_POOL,
                        "owned": owned,
                        "first": first,
                        "last": min(first + step, CUSTOMERS) - 1,
                        "per_rep": PER_REP,
                    },
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE customers"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


FLOOR = """
SELECT * FROM customers
WHERE owner_id = :owner AND archived_at IS NULL
ORDER BY coalesce(last_followup_at, created_at) DESC, id DESC
LIMIT 51
"""


def timed(call, iterations: int = ITER) -> dict[str, float]:
    """p50 / p99 / mean in ms of ``iterations`` calls, after 20 warm-ups."""
    for _ in range(20):
        call()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": statistics.median(samples),
        "p99_ms": common.percentile(samples, 0.99),
        "mean_ms": statistics.fmean(samples),
    }


def main() -> int:
    """Seed, then time the API beside the plain query; print and keep the figures."""
    with common.Stack("scale_customers", ["customers"]) as stack:
        url = stack.urls["customers"]
        print(f"seeding {CUSTOMERS:,} customers", flush=True)
        seed_seconds = seed(url)
        print(f"seeded in {seed_seconds:.0f} s", flush=True)
        customers = stack.web("customers")
        # A rep in the middle of the book, not the first one seeded.
        rep = rep_id(int(CUSTOMERS * OWNED_SHARE) // PER_REP // 2)
        headers = {"Authorization": f"Bearer {stack.tokens.token(user_id=rep, roles=['rep'])}"}
        session = requests.Session()
        query = {"owner_id": str(rep), "sort": "last_activity", "limit": PER_REP}
        first = session.get(
            customers + "/api/v1/customers", params=query, headers=headers, timeout=30
        )
        assert first.status_code == 200, first.text[:500]
        page = first.json()["items"]

        def api() -> None:
            response = session.get(
                customers + "/api/v1/customers", params=query, headers=headers, timeout=30
            )
            assert response.status_code == 200, response.text[:300]

        engine = create_engine(url, pool_size=1)
        with engine.connect() as conn:
            plan = "\n".join(
                row[0] for row in conn.execute(text("EXPLAIN " + FLOOR), {"owner": rep})
            )
            floor_rows = conn.execute(text(FLOOR), {"owner": rep}).all()

            def floor() -> None:
                conn.execute(text(FLOOR), {"owner": rep}).all()

            before = common.machine_note()
            floor_first = timed(floor)
            api_figures = timed(api)
            floor_second = timed(floor)
            after = common.machine_note()
        engine.dispose()
    same_order = [c["id"] for c in page] == [str(r.id) for r in floor_rows[:PER_REP]]
    floor_figures = {
        k: (floor_first[k] + floor_second[k]) / 2 for k in ("p50_ms", "p99_ms", "mean_ms")
    }
    common.table(
        [
            (
                f"rep's own {PER_REP} of {CUSTOMERS:,}, by last activity, API p50/p99 (ms)",
                f"{api_figures['p50_ms']:.1f} / {api_figures['p99_ms']:.1f}",
                f"{floor_figures['p50_ms']:.1f} / {floor_figures['p99_ms']:.1f} (plain SQL)",
                f"{api_figures['p99_ms'] / floor_figures['p99_ms']:.1f}x",
                f"p99 < {TARGET_P99_MS} ms",
            ),
            (
                "page answered",
                f"{len(page)} customers",
                f"{len(floor_rows[:PER_REP])} rows",
                "same order" if same_order else "ORDER DIFFERS",
                f"{PER_REP}, same order",
            ),
        ]
    )
    print("plain query's plan:\n" + plan)
    print(f"machine: {os.cpu_count()} cores, scale {common.SCALE}")
    print(f"machine before: {before}")
    print(f"machine after:  {after}")
    figures = {
        "scale": common.SCALE,
        "customers": CUSTOMERS,
        "seed_seconds": seed_seconds,
        "iterations": ITER,
        "api": api_figures,
        "floor": floor_figures,
        "page_size": len(page),
        "same_order": same_order,
        "plan": plan,
        "cores": os.cpu_count(),
        "load_before": before,
        "load_after": after,
    }
    print(f"results in {common.write_results('scale-customers', figures)}")
    return 0 if same_order and len(page) == PER_REP else 1


if __name__ == "__main__":
    sys.exit(main())
