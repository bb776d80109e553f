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
        if pg_stage["median_days_in_stage"] is not None:
            assert abs(pg_stage["median_days_in_stage"] - lite_stage["median_days_in_stage"]) < 1e-3
    assert abs(pg_funnel["median_sales_cycle_days"] - lite_funnel["median_sales_cycle_days"]) < 1e-3
    figures = ("closed", "commit", "best_case", "pipeline", "stage_weighted", "calibrated")
    assert [{k: c[k] for k in figures} for c in pg_forecast["currencies"]] == [
        {k: c[k] for k in figures} for c in lite_forecast["currencies"]
    ]
    assert [p["actual"] for p in pg_backtest["periods"]] == [
        p["actual"] for p in lite_backtest["periods"]
    ]
