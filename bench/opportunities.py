"""Forecast and funnel latency over 100,000 deals and 1,000,000 stage-history rows on PostgreSQL.

Seeds a throwaway database (``crm_shared.db.ensure_database`` /
``drop_database``) with synthetic history from ``opportunities.seeding``
(COPY, in chunks), runs the calibration and funnel-rollup jobs, then times
through the service's real Flask app (token check, schemas, scope, SQL):

- ``GET /api/v1/opportunities/forecast?period=<this quarter>`` as an admin
  and as a team manager;
- ``GET /api/v1/opportunities/analytics/funnel`` over 90 days and a year
  (company, team, and a rep's own);

each beside the bare floor ``SELECT count(*)`` over the same tables,
measured in the same run. Prints p50/p99 and the backtest figures of the
seeded data (the ones quoted in docs/opportunities.md), and writes them to
``bench/results/opportunities-<time>.json``. Timings are printed, never
asserted. ``make bench`` runs it after the leads figures (``bench/run.py``).

Environment: CRM_BENCH_DATABASE_URL (a PostgreSQL server URL), BENCH_DEALS
(default 100000), BENCH_ITER (requests per measurement, default 60).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# This script is named like the service package; keep its folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crm_shared.config import Env, Settings  # noqa: E402
from crm_shared.db import drop_database  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.testing import TokenFactory  # noqa: E402
from crm_shared.web import create_service_app  # noqa: E402
from opportunities import calibration, funnel_rollup  # noqa: E402
from opportunities.models import FieldHistory, Opportunity, Stage, StageHistory  # noqa: E402
from opportunities.rules.periods import period_of  # noqa: E402
from opportunities.seeding import generate, reps  # noqa: E402
from opportunities.service import SERVICE  # noqa: E402

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEALS = int(os.environ.get("BENCH_DEALS", "100000"))
ITER = int(os.environ.get("BENCH_ITER", "60"))
CHUNK = 10_000


def _copy(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    columns = [c.name for c in table.columns]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c]) if isinstance(row.get(c), list) else row.get(c)
                    for c in columns
                ]
            )


def seed(url: str) -> tuple[list[Any], int, int]:
    """Seed ``DEALS`` deals; return the reps and the stage/field history row counts."""
    engine = create_engine(url)
    rng = random.Random(2026)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        stages = list(
            conn.execute(select(Stage.id, Stage.name, Stage.pipeline_id, Stage.probability))
        )
    ids = {s.name: s.id for s in stages}
    probabilities = {s.id: s.probability for s in stages}
    team = reps(rng, 60, 8)
    history = fields = 0
    raw = engine.raw_connection()
    try:
        for first in range(0, DEALS, CHUNK):
            deals, stays, changes = generate(
                rng,
                ids,
                probabilities,
                stages[0].pipeline_id,
                team,
                min(CHUNK, DEALS - first),
                now - timedelta(days=730),
                now,
                bounces=8,  # back and forth between stages: ~10.5 history rows a deal
            )
            driver = raw.driver_connection
            _copy(driver, Opportunity.__table__, deals)
            _copy(driver, StageHistory.__table__, stays)
            _copy(driver, FieldHistory.__table__, changes)
            raw.commit()
            history += len(stays)
            fields += len(changes)
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return team, history, fields


def timed(fn: Any, iterations: int = ITER) -> tuple[float, float]:
    """p50 and p99 in milliseconds of ``iterations`` calls (after 3 warm-ups)."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    name = f"bench_opportunities_{uuid.uuid4().hex[:8]}"
    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    upgrade(SERVICE, url)
    try:
        started = time.perf_counter()
        team, history, fields = seed(url)
        print(
            f"seeded {DEALS:,} deals, {history:,} stage-history rows, {fields:,} field-history "
            f"rows in {time.perf_counter() - started:.0f} s"
        )
        tokens = TokenFactory()
        settings = Settings(
            service=SERVICE.name,
            database_url=url,
            broker_url="memory://",
            jwks_url="file:///dev/null",
            jwt_issuer=tokens.issuer,
            jwt_audience=tokens.audience,
            bus_namespace="bench",
            delivery_limit=3,
            extra=SERVICE.extra_settings(Env({})) if SERVICE.extra_settings else {},
        )
        app = create_service_app(SERVICE, settings, verifier=tokens.verifier())
        db = app.extensions["crm"].db
        started = time.perf_counter()
        calibration.refresh(db)
        print(f"calibration job: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        rollup_rows = funnel_rollup.rebuild(db)
        rebuild_seconds = time.perf_counter() - started
        print(f"funnel rollup rebuilt: {rollup_rows:,} rows in {rebuild_seconds:.1f} s")
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE funnel_reached"))
            conn.execute(text("ANALYZE funnel_stays"))
        client = app.test_client()
        admin = tokens.headers(roles=["admin"])
        manager = tokens.headers(roles=["manager"], team_id=str(team[0].team_id))
        rep = tokens.headers(user_id=team[0].id, roles=["rep"], team_id=str(team[0].team_id))
        period = period_of(datetime.now(UTC).date(), quarterly=True)
        year_ago = (datetime.now(UTC).date() - timedelta(days=365)).isoformat()

        def get(path: str, headers: dict[str, str]) -> Any:
            def call() -> None:
                response = client.get(path, headers=headers)
                assert response.status_code == 200, response.json

            return call

        def floor(sql: str) -> Any:
            def call() -> None:
                with db.engine.connect() as conn:
                    conn.execute(text(sql)).scalar()

            return call

        rows = [
            (
                "floor: SELECT count(*) FROM opportunities",
                floor("SELECT count(*) FROM opportunities"),
            ),
            (
                "floor: SELECT count(*) FROM stage_history",
                floor("SELECT count(*) FROM stage_history"),
            ),
            (
                f"forecast {period}, admin (all)",
                get(f"/api/v1/opportunities/forecast?period={period}", admin),
            ),
            (
                f"forecast {period}, manager (team)",
                get(f"/api/v1/opportunities/forecast?period={period}", manager),
            ),
            ("funnel, last 90 days, admin", get("/api/v1/opportunities/analytics/funnel", admin)),
            (
                "funnel, last 365 days, admin",
                get(f"/api/v1/opportunities/analytics/funnel?from={year_ago}", admin),
            ),
            (
                "funnel, last 90 days, manager",
                get("/api/v1/opportunities/analytics/funnel", manager),
            ),
            (
                "funnel, last 365 days, rep (own)",
                get(f"/api/v1/opportunities/analytics/funnel?from={year_ago}", rep),
            ),
        ]
        print(
            f"{DEALS:,} deals, {history:,} stage-history rows, {rollup_rows:,} rollup rows; "
            f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(f"{'measurement':48} {'p50 ms':>8} {'p99 ms':>8}   (n={ITER})")
        results: dict[str, Any] = {
            "deals": DEALS,
            "stage_history_rows": history,
            "field_history_rows": fields,
            "rollup_rows": rollup_rows,
            "rollup_rebuild_seconds": round(rebuild_seconds, 1),
            "cores": os.cpu_count(),
            "load": os.getloadavg()[0],
            "iterations": ITER,
            "timings_ms": {},
        }
        for label, fn in rows:
            p50, p99 = timed(fn)
            print(f"{label:48} {p50:8.1f} {p99:8.1f}")
            results["timings_ms"][label] = {"p50": round(p50, 1), "p99": round(p99, 1)}
        started = time.perf_counter()
        backtest = client.get(
            f"/api/v1/opportunities/forecast/backtest?period={period}&periods=4&currency=CNY",
            headers=admin,
        ).json
        print(f"backtest (4 quarters, CNY) in {time.perf_counter() - started:.1f} s")
        for row in backtest["periods"]:
            errors = "  ".join(
                f"{m} {row['errors'][m]:.1%}" if row["errors"][m] is not None else f"{m} -"
                for m in ("stage_weighted", "calibrated", "rep_call")
            )
            print(
                f"  {row['period']}: {row['deals']} deals, won {row['actual']}, "
                f"stage-weighted {row['stage_weighted']}, calibrated {row['calibrated']}, "
                f"rep's call {row['rep_call']}; error {errors}"
            )
        for method, summary in backtest["summary"].items():
            mape = summary["mean_absolute_percentage_error"]
            brier = summary["brier_score"]
            print(
                f"  {method}: mean abs error {mape:.1%}" if mape is not None else f"  {method}: -",
                f"Brier {brier:.4f}" if brier is not None else "",
            )
        for method, table in backtest["reliability"].items():
            cells = [
                f"{b['low']:.1f}-{b['high']:.1f}: n={b['count']} "
                f"predicted {b['predicted']:.2f} observed {b['observed']:.2f}"
                for b in table
                if b["count"]
            ]
            print(f"  reliability {method}: " + "; ".join(cells))
        results["backtest"] = {"periods": backtest["periods"], "summary": backtest["summary"]}
        out = Path(__file__).resolve().parent / "results"
        out.mkdir(exist_ok=True)
        target = out / f"opportunities-{int(time.time())}.json"
        target.write_text(json.dumps(results, indent=2, default=str))
        print(f"figures in {target}")
        db.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
