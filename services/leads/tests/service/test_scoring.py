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
