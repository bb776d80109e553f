"""Service test of the backtest and reliability table over seeded history."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from opportunities.models import FieldHistory, Opportunity, Stage, StageHistory
from opportunities.rules.periods import period_of
from opportunities.seeding import generate, reps


def seed(svc, deals=600):
    rng = random.Random(8)
    now = datetime.now(UTC)
    with svc.db.transaction() as session:
        stages = list(session.scalars(select(Stage)))
        ids = {s.name: s.id for s in stages}
        team = reps(rng, 6, 2)
        rows, stays, changes = generate(
            rng,
            ids,
            {s.id: s.probability for s in stages},
            stages[0].pipeline_id,
            team,
            deals,
            now - timedelta(days=730),
            now,
        )
        session.execute(insert(Opportunity), rows)
        session.execute(insert(StageHistory), stays)
        if changes:
            session.execute(insert(FieldHistory), changes)
    return team


def test_backtest_reports_each_methods_error_and_reliability(svc):
    seed(svc)
    admin = svc.user("admin")
    period = period_of(datetime.now(UTC).date(), quarterly=True)
    response = svc.client.get(
        f"/api/v1/opportunities/forecast/backtest?period={period}&periods=4&currency=CNY",
        headers=admin.headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["currency"] == "CNY"
    assert len(body["periods"]) == 4
    for row in body["periods"]:
        assert row["deals"] > 0
        assert float(row["actual"]) > 0
        assert set(row["errors"]) == {"stage_weighted", "calibrated", "rep_call"}
    for method in ("stage_weighted", "calibrated"):
        summary = body["summary"][method]
        assert 0 <= summary["brier_score"] <= 1
        assert summary["mean_absolute_percentage_error"] >= 0
        table = body["reliability"][method]
        assert len(table) == 10
        assert sum(b["count"] for b in table) == sum(p["deals"] for p in body["periods"])

    rep = svc.user()  # a rep sees only their own (no deals here): nothing to test
    mine = svc.client.get(
        f"/api/v1/opportunities/forecast/backtest?period={period}", headers=rep.headers
    ).json
    assert mine["periods"] == [] and mine["currency"] is None


def test_risk_job_and_manager_list_over_seeded_deals(svc):
    team = seed(svc, deals=300)
    svc.run_job("refresh-risk")
    admin = svc.user("admin")
    response = svc.client.get(
        "/api/v1/opportunities?risk=high&sort=-amount&limit=200", headers=admin.headers
    )
    assert response.status_code == 200
    items = response.json["items"]
    assert items, "seeded open deals idle for weeks are at high risk"
    assert all(d["risk_level"] == "high" and d["status"] == "open" for d in items)
    manager = svc.user("manager", team_id=team[0].team_id)
    theirs = svc.client.get(
        "/api/v1/opportunities?risk=high&limit=200", headers=manager.headers
    ).json["items"]
    assert {d["id"] for d in theirs} == {
        d["id"] for d in items if d["team_id"] == str(team[0].team_id)
    }
    amounts = [float(d["amount"]) for d in items]
    assert amounts == sorted(amounts, reverse=True)
    assert all(d["risk_reasons"] for d in items)
