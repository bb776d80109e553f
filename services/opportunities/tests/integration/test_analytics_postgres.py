"""The funnel, forecast and backtest on PostgreSQL agree with embedded mode on the same data."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from opportunities.models import FieldHistory, Opportunity, Stage, StageHistory
from opportunities.rules.periods import period_of
from opportunities.seeding import generate, reps
from opportunities.service import SERVICE

pytestmark = pytest.mark.integration


def _seed(svc, now):
    rng = random.Random(11)
    with svc.db.transaction() as session:
        stages = sorted(session.scalars(select(Stage)), key=lambda s: s.position)
        ids = {s.name: s.id for s in stages}
        # Stage ids differ per database: generate against this one's.
        rows, stays, changes = generate(
            rng,
            ids,
            {s.id: s.probability for s in stages},
            stages[0].pipeline_id,
            reps(random.Random(3), 5, 2),
            400,
            now - timedelta(days=500),
            now,
            bounces=2,
        )
        session.execute(insert(Opportunity), rows)
        session.execute(insert(StageHistory), stays)
        if changes:
            session.execute(insert(FieldHistory), changes)


def _by_name(funnel):
    return {s["name"]: (s["reached"], s["current"], s["current_amounts"]) for s in funnel["stages"]}


def test_same_answers_on_postgresql_and_sqlite(harness_factory, pg_database, customers):
    now = datetime.now(UTC).replace(microsecond=0)
    pg = harness_factory(
        SERVICE,
        database_url=pg_database("opportunities"),
        environ={"CRM_CUSTOMERS_URL": customers[1]},
    )
    lite = harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": customers[1]})
    answers = []
    for svc in (pg, lite):
        _seed(svc, now)
        svc.run_job("rebuild-funnel")  # rows went in by INSERT, past the use cases
        svc.run_job("refresh-calibration")
        admin = svc.user("admin")
        period = period_of(now.date(), quarterly=True)
        start = (now.date() - timedelta(days=400)).isoformat()
        funnel = svc.client.get(
            f"/api/v1/opportunities/analytics/funnel?from={start}&group_by=team",
            headers=admin.headers,
        )
        forecast = svc.client.get(
            f"/api/v1/opportunities/forecast?period={period}", headers=admin.headers
        )
        backtest = svc.client.get(
            f"/api/v1/opportunities/forecast/backtest?period={period}&currency=CNY",
            headers=admin.headers,
        )
        assert funnel.status_code == forecast.status_code == backtest.status_code == 200
        answers.append((funnel.json, forecast.json, backtest.json))
    (pg_funnel, pg_forecast, pg_backtest), (lite_funnel, lite_forecast, lite_backtest) = answers
    assert pg_funnel["deals"] == lite_funnel["deals"] > 0
    assert (pg_funnel["won"], pg_funnel["lost"]) == (lite_funnel["won"], lite_funnel["lost"])
    assert _by_name(pg_funnel) == _by_name(lite_funnel)
    assert pg_funnel["average_won_amounts"] == lite_funnel["average_won_amounts"]
    assert [g["won_amounts"] for g in pg_funnel["groups"]] == [
        g["won_amounts"] for g in lite_funnel["groups"]
    ]
    for pg_stage, lite_stage in zip(pg_funnel["stages"], lite_funnel["stages"], strict=True):
        assert pg_stage["median_days_in_stage"] == lite_stage["median_days_in_stage"]
    assert abs(pg_funnel["median_sales_cycle_days"] - lite_funnel["median_sales_cycle_days"]) < 1e-3
    figures = ("closed", "commit", "best_case", "pipeline", "stage_weighted", "calibrated")
    assert [{k: c[k] for k in figures} for c in pg_forecast["currencies"]] == [
        {k: c[k] for k in figures} for c in lite_forecast["currencies"]
    ]
    assert [p["actual"] for p in pg_backtest["periods"]] == [
        p["actual"] for p in lite_backtest["periods"]
    ]


def test_rollup_equals_history_on_postgresql(harness_factory, pg_database, customers):
    """Rollup-based funnel answers equal history-based ones on PostgreSQL, every scope."""
    from ..service.rollup_scenario import run

    svc = harness_factory(
        SERVICE,
        database_url=pg_database("opportunities"),
        environ={"CRM_CUSTOMERS_URL": customers[1]},
    )
    assert run(svc, 7, deals=400) > 100


def test_concurrent_moves_keep_the_rollup_true(harness_factory, pg_database, customers):
    """Parallel moves of deals created the same day recompute that day one after the other."""
    import threading

    from crm_shared.auth import Principal
    from opportunities.funnel import funnel

    svc = harness_factory(
        SERVICE,
        database_url=pg_database("opportunities"),
        environ={"CRM_CUSTOMERS_URL": customers[1]},
    )
    rep = svc.user()
    body = {"customer_id": customers[0]["id"], "name": "Deal", "amount": "10.00", "currency": "CNY"}
    ids = [
        svc.client.post("/api/v1/opportunities", json=body, headers=rep.headers).json["id"]
        for _ in range(6)
    ]
    [pipeline] = svc.client.get("/api/v1/pipelines", headers=rep.headers).json["items"]
    target = next(s["id"] for s in pipeline["stages"] if s["name"] == "needs_analysis")
    codes = []

    def move(deal_id):
        client = svc.app.test_client()
        response = client.post(
            f"/api/v1/opportunities/{deal_id}/stage", json={"stage_id": target}, headers=rep.headers
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=move, args=(d,)) for d in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6
    principal = Principal(id=rep.id, username="r", roles=frozenset({"rep"}))
    with svc.db.transaction() as session:
        rollup = funnel(session, principal, {})
        assert rollup == funnel(session, principal, {}, source="history")
    assert {s["name"]: s["reached"] for s in rollup["stages"]}["needs_analysis"] == 6
