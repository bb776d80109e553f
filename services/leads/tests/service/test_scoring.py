"""Scoring: scores with reasons, rules as data, auto-qualification."""

from __future__ import annotations


def test_score_with_reasons_and_priority_order(svc, process):
    rep = svc.user()
    low = svc.client.post("/api/v1/leads", json={"name": "Low"}, headers=rep.headers).json
    high = svc.client.post(
        "/api/v1/leads",
        json={"name": "High", "title": "CEO", "company_size": 5000, "company": "Big"},
        headers=rep.headers,
    ).json
    process(svc)
    lead = svc.client.get(f"/api/v1/leads/{high['id']}", headers=rep.headers).json
    assert lead["score"] == 50  # default rules: title 20 + 200+ 15 + 1000+ 10 + company 5
    assert {r["rule"] for r in lead["score_reasons"]} >= {"Decision-maker title"}
    opened = svc.client.post(
        f"/api/v1/leads/{low['id']}/activities",
        json={"kind": "meeting", "note": "demo"},
        headers=rep.headers,
    )
    assert opened.status_code == 201
    low_now = svc.client.get(f"/api/v1/leads/{low['id']}", headers=rep.headers).json
    assert low_now["score"] == 20  # the default "Meeting held" behaviour rule
    assert low_now["status"] == "contacted"
    ordered = svc.client.get("/api/v1/leads?sort=-score", headers=rep.headers).json["items"]
    assert [i["name"] for i in ordered] == ["High", "Low"]


def test_scoring_rules_are_data_and_auto_qualification_publishes(svc, process):
    admin = svc.user("admin")
    rule = svc.client.post(
        "/api/v1/scoring-rules",
        json={
            "name": "Banks",
            "kind": "attribute",
            "field": "industry",
            "operator": "in",
            "value": ["banking"],
            "points": 90,
        },
        headers=admin.headers,
    )
    assert rule.status_code == 201, rule.json
    bad = svc.client.post(
        "/api/v1/scoring-rules",
        json={"name": "x", "kind": "behaviour", "activity_kind": "visit", "points": -5},
        headers=admin.headers,
    )
    assert bad.status_code == 422
    settings = svc.client.put(
        "/api/v1/scoring-rules/settings",
        json={"auto_qualify": True, "threshold": 80},
        headers=admin.headers,
    )
    assert settings.status_code == 200
    lead = svc.client.post(
        "/api/v1/leads",
        json={"name": "Bank", "industry": "Banking", "email": "cfo@bank.com"},
        headers=admin.headers,
    ).json
    process(svc)
    after = svc.client.get(f"/api/v1/leads/{lead['id']}", headers=admin.headers).json
    assert after["status"] == "qualified"
    [event] = svc.events("lead.qualified")
    assert event["data"]["automatic"] is True
    assert event["data"]["score"] >= 80
    assert event["data"]["email"] == "cfo@bank.com"


def test_the_learned_model_trains_on_closed_leads_and_joins_the_score(svc, process):
    admin = svc.user("admin")
    too_few = svc.client.post("/api/v1/scoring-rules/model/train", headers=admin.headers)
    assert too_few.status_code == 422 and too_few.json["errors"][0]["field"] == "leads"
    assert (
        svc.client.get("/api/v1/scoring-rules/model", headers=admin.headers).json["trained"]
        is False
    )
    items = [
        {"name": f"Lead {i}", "industry": "banking" if i % 2 else "retail", "title": "CTO"}
        for i in range(30)
    ]
    created = svc.client.post(
        "/api/v1/leads/batch", json={"leads": items}, headers=admin.headers
    ).json["results"]
    for i, result in enumerate(created):
        url = f"/api/v1/leads/{result['id']}"
        if i % 2:
            assert svc.client.post(url + "/qualify", headers=admin.headers).status_code == 200
        else:
            done = svc.client.post(
                url + "/disqualify", json={"reason": "retail"}, headers=admin.headers
            )
            assert done.status_code == 200
    trained = svc.client.post("/api/v1/scoring-rules/model/train", headers=admin.headers)
    assert trained.status_code == 200, trained.json
    assert trained.json["trained"] is True and trained.json["trained_on"] > 0
    assert svc.client.get("/api/v1/scoring-rules/model", headers=admin.headers).json == trained.json
    settings = svc.client.put(
        "/api/v1/scoring-rules/settings",
        json={"model_enabled": True, "model_weight": 0.5},
        headers=admin.headers,
    )
    assert settings.json["model_enabled"] is True and settings.json["auto_qualify"] is False
    fresh = svc.client.post(
        "/api/v1/leads", json={"name": "New bank", "industry": "banking"}, headers=admin.headers
    ).json
    process(svc)
    lead = svc.client.get(f"/api/v1/leads/{fresh['id']}", headers=admin.headers).json
    model = [r for r in lead["score_reasons"] if r["rule_id"] == "model"]
    assert len(model) == 1 and model[0]["rule"] == "Learned model"
    assert model[0]["detail"].startswith("P(qualified) = ")
