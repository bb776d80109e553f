"""Service tests of stage moves: requirements, history, events, reopen."""

import uuid

from sqlalchemy import func, select

from opportunities.models import StageHistory

from .helpers import open_deal, stages


def test_the_default_pipeline_is_seeded(svc):
    rep = svc.user()
    by_name = stages(svc, rep)
    assert [(n, s["probability"]) for n, s in by_name.items()] == [
        ("qualification", 10),
        ("needs_analysis", 25),
        ("proposal", 50),
        ("negotiation", 70),
        ("won", 100),
        ("lost", 0),
    ]
    assert by_name["negotiation"]["forecast_category"] == "commit"


def test_a_move_checks_requirements_and_changes_nothing_when_refused(svc, customers):
    rep = svc.user()
    by_name = stages(svc, rep)
    deal = open_deal(svc, rep, customers[0]["id"]).json
    assert deal["stage"] == "qualification" and deal["probability"] == 10
    url = f"/api/v1/opportunities/{deal['id']}"
    refused = svc.client.post(
        url + "/stage", json={"stage_id": by_name["negotiation"]["id"]}, headers=rep.headers
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json["errors"]} == {"expected_close_date", "decision_maker"}
    assert svc.client.get(url, headers=rep.headers).json["stage"] == "qualification"
    assert svc.events("opportunity.stage_changed") == []

    patched = svc.client.patch(
        url,
        json={
            "expected_close_date": "2027-03-31",
            "contacts": [
                {"contact_id": str(uuid.uuid4()), "name": "王芳", "role": "decision_maker"}
            ],
        },
        headers=rep.headers,
    )
    assert patched.status_code == 200, patched.json
    moved = svc.client.post(
        url + "/stage", json={"stage_id": by_name["negotiation"]["id"]}, headers=rep.headers
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["stage"] == "negotiation" and moved.json["probability"] == 70
    [event] = svc.events("opportunity.stage_changed")
    assert event["data"]["from_stage"] == "qualification"
    assert event["data"]["to_stage"] == "negotiation"
    assert event["data"]["probability"] == 70
    assert event["data"]["forecast_category"] == "commit"
    history = svc.client.get(url + "/history", headers=rep.headers).json
    assert [s["to_stage"] for s in history["stages"]] == ["qualification", "negotiation"]
    assert history["stages"][0]["left_at"] is not None
    assert history["stages"][1]["left_at"] is None
    assert [c["field"] for c in history["changes"]] == ["expected_close_date"]


def test_unknown_stage_or_other_pipelines_stage_is_422(svc, customers):
    admin = svc.user("admin")
    rep = svc.user()
    other = svc.client.post(
        "/api/v1/pipelines",
        json={
            "name": "Hardware",
            "stages": [
                {"name": "talk", "probability": 20, "forecast_category": "pipeline"},
                {"name": "won", "kind": "won", "probability": 100, "forecast_category": "closed"},
                {"name": "lost", "kind": "lost", "probability": 0, "forecast_category": "omitted"},
            ],
        },
        headers=admin.headers,
    )
    assert other.status_code == 201, other.json
    deal = open_deal(svc, rep, customers[0]["id"]).json
    url = f"/api/v1/opportunities/{deal['id']}/stage"
    for stage_id in (str(uuid.uuid4()), other.json["stages"][0]["id"]):
        response = svc.client.post(url, json={"stage_id": stage_id}, headers=rep.headers)
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] == "stage_id"


def test_win_carries_lines_and_a_lost_deal_cannot_be_won(svc, customers):
    rep = svc.user()
    deal = open_deal(svc, rep, customers[0]["id"], currency="CNY", amount="100.00").json
    url = f"/api/v1/opportunities/{deal['id']}"
    patched = svc.client.patch(
        url,
        json={
            "lines": [
                {"name": "服务器", "quantity": "2", "unit_price": "5000.00", "discount": "10"},
                {"name": "安装", "quantity": "1", "unit_price": "800.00"},
            ]
        },
        headers=rep.headers,
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["amount"] == "9800.00"  # the lines set the amount
    assert [line["amount"] for line in patched.json["lines"]] == ["9000.00", "800.00"]
    assert svc.client.post(url + "/win", headers=rep.headers).status_code == 200
    [won] = svc.events("deal.won")
    assert won["data"]["amount"] == "9800.00"
    assert [(line["name"], line["amount"]) for line in won["data"]["lines"]] == [
        ("服务器", "9000.00"),
        ("安装", "800.00"),
    ]
    assert won["data"]["pipeline_id"] == deal["pipeline_id"]

    lost = open_deal(svc, rep, customers[0]["id"]).json
    lost_url = f"/api/v1/opportunities/{lost['id']}"
    assert svc.client.post(lost_url + "/lose", headers=rep.headers).status_code == 200
    assert svc.client.post(lost_url + "/win", headers=rep.headers).status_code == 409


def test_lose_needs_a_listed_reason(svc, customers):
    rep = svc.user()
    deal = open_deal(svc, rep, customers[0]["id"]).json
    url = f"/api/v1/opportunities/{deal['id']}/lose"
    refused = svc.client.post(url, json={"reason": "the moon"}, headers=rep.headers)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "reason"
    admin = svc.user("admin")
    added = svc.client.post(
        "/api/v1/pipelines/lost-reasons", json={"name": "the moon"}, headers=admin.headers
    )
    assert added.status_code == 201
    assert svc.client.post(url, json={"reason": "the moon"}, headers=rep.headers).status_code == 200


def test_only_a_manager_reopens_and_history_records_it(svc, customers):
    team = uuid.uuid4()
    rep = svc.user(team_id=team)
    manager = svc.user("manager", team_id=team)
    deal = open_deal(svc, rep, customers[0]["id"]).json
    url = f"/api/v1/opportunities/{deal['id']}"
    svc.client.post(url + "/lose", json={"reason": "price"}, headers=rep.headers)
    assert (
        svc.client.post(
            url + "/reopen", json={"reason": "budget back"}, headers=rep.headers
        ).status_code
        == 403
    )
    reopened = svc.client.post(
        url + "/reopen", json={"reason": "budget back"}, headers=manager.headers
    )
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["status"] == "open" and reopened.json["stage"] == "qualification"
    assert reopened.json["lost_reason"] is None
    history = svc.client.get(url + "/history", headers=rep.headers).json["stages"]
    assert [s["to_stage"] for s in history] == ["qualification", "lost", "qualification"]
    assert history[-1]["note"] == "reopened: budget back"
    assert svc.client.post(url + "/win", headers=rep.headers).status_code == 200


def test_a_stage_holding_deals_is_only_deleted_when_replaced(svc, customers):
    admin = svc.user("admin")
    rep = svc.user()
    [pipeline] = svc.client.get("/api/v1/pipelines", headers=admin.headers).json["items"]
    deal = open_deal(svc, rep, customers[0]["id"]).json
    keep = [
        {k: s[k] for k in ("id", "name", "kind", "probability", "forecast_category")}
        for s in pipeline["stages"]
        if s["name"] != "qualification"
    ]
    url = f"/api/v1/pipelines/{pipeline['id']}"
    refused = svc.client.patch(url, json={"stages": keep}, headers=admin.headers)
    assert refused.status_code == 409
    qualification = pipeline["stages"][0]["id"]
    keep[0]["replaces"] = [qualification]
    done = svc.client.patch(url, json={"stages": keep}, headers=admin.headers)
    assert done.status_code == 200, done.json
    assert done.json["stages"][0]["name"] == "needs_analysis"
    moved = svc.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers).json
    assert moved["stage"] == "needs_analysis"
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(StageHistory)) == 2
