"""Service tests of the forecast, funnel, adjustments and forecast changes."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from opportunities.rules.periods import parse_period, period_of

from .helpers import open_deal, stages


def _this_quarter():
    today = datetime.now(UTC).date()
    period = period_of(today, quarterly=True)
    _start, end = parse_period(period)
    return period, today, end - timedelta(days=1)


def _ready(svc, rep, deal_id, amount, close):
    """Fill what the later stages require."""
    return svc.client.patch(
        f"/api/v1/opportunities/{deal_id}",
        json={
            "amount": amount,
            "expected_close_date": close.isoformat(),
            "contacts": [
                {"contact_id": str(uuid.uuid4()), "name": "张伟", "role": "decision_maker"}
            ],
        },
        headers=rep.headers,
    )


def test_forecast_shows_the_three_figures_and_roll_ups(svc, customers):
    period, _today, last_day = _this_quarter()
    team = uuid.uuid4()
    rep = svc.user(team_id=team)
    manager = svc.user("manager", team_id=team)
    by_name = stages(svc, rep)
    cid = customers[0]["id"]
    plan = [("10000.00", "proposal"), ("5000.00", "negotiation"), ("2000.00", None)]
    ids = []
    for amount, stage in plan:
        deal = open_deal(svc, rep, cid).json
        assert _ready(svc, rep, deal["id"], amount, last_day).status_code == 200
        url = f"/api/v1/opportunities/{deal['id']}"
        if stage:
            moved = svc.client.post(
                url + "/stage", json={"stage_id": by_name[stage]["id"]}, headers=rep.headers
            )
            assert moved.status_code == 200, moved.json
        else:
            assert svc.client.post(url + "/win", headers=rep.headers).status_code == 200
        ids.append(deal["id"])
    svc.run_job("refresh-calibration")
    response = svc.client.get(
        f"/api/v1/opportunities/forecast?period={period}", headers=rep.headers
    )
    assert response.status_code == 200, response.json
    [eur] = response.json["currencies"]
    assert eur["currency"] == "EUR"
    assert eur["closed"] == "2000.00"
    assert (eur["commit"], eur["best_case"], eur["pipeline"]) == ("5000.00", "10000.00", "0.00")
    assert eur["commit_rollup"] == "7000.00"
    assert eur["best_case_rollup"] == "17000.00"
    assert eur["stage_weighted"] == "10500.00"  # 2000 + 5000 x 70% + 10000 x 50%
    assert Decimal("2000") < Decimal(eur["calibrated"]) <= Decimal("10500")
    [owner] = response.json["owners"]
    assert owner["owner_id"] == str(rep.id)

    refused = svc.client.post(
        "/api/v1/opportunities/forecast/adjustments",
        json={
            "period": period,
            "owner_id": str(rep.id),
            "amount": "9000.00",
            "currency": "EUR",
            "note": "me",
        },
        headers=rep.headers,
    )
    assert refused.status_code == 403
    adjusted = svc.client.post(
        "/api/v1/opportunities/forecast/adjustments",
        json={
            "period": period,
            "owner_id": str(rep.id),
            "amount": "9000.00",
            "currency": "EUR",
            "note": "大客户预算冻结",
        },
        headers=manager.headers,
    )
    assert adjusted.status_code == 201, adjusted.json
    again = svc.client.get(
        f"/api/v1/opportunities/forecast?period={period}", headers=manager.headers
    ).json
    assert again["currencies"] == response.json["currencies"]  # beside, never replacing
    assert [(a["amount"], a["note"]) for a in again["adjustments"]] == [
        ("9000.00", "大客户预算冻结")
    ]

    stranger = svc.user()
    alone = svc.client.get(
        f"/api/v1/opportunities/forecast?period={period}", headers=stranger.headers
    ).json
    assert alone["currencies"] == [] and alone["adjustments"] == []


def test_forecast_refuses_a_bad_period(svc):
    rep = svc.user()
    for period in ("2026-Q5", "2026-13", "soon", "0000-Q1"):
        response = svc.client.get(
            f"/api/v1/opportunities/forecast?period={period}", headers=rep.headers
        )
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] == "period"


def test_funnel_counts_stages_conversion_and_win_rate(svc, customers):
    rep = svc.user()
    by_name = stages(svc, rep)
    cid = customers[0]["id"]
    deals = [open_deal(svc, rep, cid, amount=f"{100 * (i + 1)}.00").json for i in range(3)]
    for deal in deals[:2]:
        svc.client.post(
            f"/api/v1/opportunities/{deal['id']}/stage",
            json={"stage_id": by_name["needs_analysis"]["id"]},
            headers=rep.headers,
        )
    svc.client.post(f"/api/v1/opportunities/{deals[0]['id']}/win", headers=rep.headers)
    svc.client.post(f"/api/v1/opportunities/{deals[1]['id']}/lose", headers=rep.headers)
    response = svc.client.get(
        "/api/v1/opportunities/analytics/funnel?group_by=owner", headers=rep.headers
    )
    assert response.status_code == 200, response.json
    funnel = response.json
    rows = {s["name"]: s for s in funnel["stages"]}
    assert rows["qualification"]["reached"] == 3
    assert rows["needs_analysis"]["reached"] == 2
    assert rows["qualification"]["conversion_to_next"] == 2 / 3
    assert rows["won"]["reached"] == 1 and rows["lost"]["reached"] == 1
    assert rows["qualification"]["current"] == 1
    assert rows["qualification"]["current_amounts"] == [{"currency": "EUR", "amount": "300.00"}]
    assert funnel["win_rate"] == 0.5
    assert funnel["average_won_amounts"] == [{"currency": "EUR", "amount": "100.00"}]
    assert rows["qualification"]["median_days_in_stage"] is not None
    [group] = funnel["groups"]
    assert (group["key"], group["deals"], group["won"]) == (str(rep.id), 3, 1)
    other = svc.user()
    assert (
        svc.client.get("/api/v1/opportunities/analytics/funnel", headers=other.headers).json[
            "deals"
        ]
        == 0
    )


def test_changes_since_the_last_snapshot(svc, customers):
    period, _today, last_day = _this_quarter()
    rep = svc.user()
    manager = svc.user("manager", team_id=uuid.uuid4())
    cid = customers[0]["id"]
    slipping = open_deal(svc, rep, cid).json
    shrinking = open_deal(svc, rep, cid).json
    for deal in (slipping, shrinking):
        _ready(svc, rep, deal["id"], "1000.00", last_day - timedelta(days=1))
    assert (
        svc.client.post("/api/v1/opportunities/forecast/snapshots", headers=rep.headers).status_code
        == 403
    )
    taken = svc.client.post("/api/v1/opportunities/forecast/snapshots", headers=manager.headers)
    assert taken.status_code == 201
    since = taken.json["snapshot_taken_at"]
    svc.client.patch(
        f"/api/v1/opportunities/{slipping['id']}",
        json={"expected_close_date": (last_day + timedelta(days=40)).isoformat()},
        headers=rep.headers,
    )
    svc.client.patch(
        f"/api/v1/opportunities/{shrinking['id']}", json={"amount": "600.00"}, headers=rep.headers
    )
    late = open_deal(svc, rep, cid, expected_close_date=last_day.isoformat()).json
    response = svc.client.get(
        f"/api/v1/opportunities/forecast/changes?since={since.replace('+', '%2B')}&period={period}",
        headers=rep.headers,
    )
    assert response.status_code == 200, response.json
    changes = response.json
    assert [c["opportunity_id"] for c in changes["moved_out"]] == [slipping["id"]]
    assert [(c["opportunity_id"], c["to"]) for c in changes["slipped"]] == [
        (slipping["id"], (last_day + timedelta(days=40)).isoformat())
    ]
    assert [(c["opportunity_id"], c["to"]) for c in changes["amount_changed"]] == [
        (shrinking["id"], "600.00")
    ]
    assert [c["opportunity_id"] for c in changes["moved_in"]] == [late["id"]]
