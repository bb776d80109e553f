"""Assignment: routing rules, caps, inactive members, overdue leads."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from leads.models import Lead


def test_rules_route_round_robin_and_assignee_sees_it(svc, member, process):
    team = uuid.uuid4()
    manager = member(svc, "manager", team_id=team)
    a = member(svc, "rep", team_id=team)
    b = member(svc, "rep", team_id=team)
    rule = svc.client.post(
        "/api/v1/assignment-rules",
        json={
            "name": "EMEA",
            "strategy": "round_robin",
            "conditions": {"regions": ["EMEA"]},
            "members": [str(a.id), str(b.id)],
            "response_minutes": 30,
        },
        headers=manager.headers,
    )
    assert rule.status_code == 201, rule.json
    batch = svc.client.post(
        "/api/v1/leads/batch",
        json={
            "auto_assign": True,
            "leads": [{"name": f"L{i}", "region": "EMEA"} for i in range(4)]
            + [{"name": "Elsewhere", "region": "APAC"}],
        },
        headers=manager.headers,
    )
    assert batch.json["created"] == 5
    process(svc)
    mine_a = svc.client.get("/api/v1/leads", headers=a.headers).json["items"]
    mine_b = svc.client.get("/api/v1/leads", headers=b.headers).json["items"]
    assert len(mine_a) == len(mine_b) == 2
    assert mine_a[0]["response_due_at"] is not None
    assigned = svc.events("lead.assigned")
    assert len(assigned) == 4
    assert {e["data"]["method"] for e in assigned} == {"rule"}
    unassigned = svc.client.get("/api/v1/leads?unassigned=true", headers=manager.headers).json
    assert [i["name"] for i in unassigned["items"]] == ["Elsewhere"]
    # A manager reassigns by hand, with a reason.
    lead_id = mine_a[0]["id"]
    moved = svc.client.post(
        f"/api/v1/leads/{lead_id}/assign",
        json={"owner_id": str(b.id), "reason": "speaks German"},
        headers=manager.headers,
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["owner_id"] == str(b.id)
    assert svc.events("lead.assigned")[-1]["data"]["reason"] == "speaks German"
    refused = svc.client.post(
        f"/api/v1/leads/{lead_id}/assign",
        json={"owner_id": str(a.id), "reason": "x"},
        headers=a.headers,
    )
    assert refused.status_code in (403, 404)


def test_caps_and_inactive_members_are_respected_and_overdue_leads_move(
    svc, count, member, process
):
    admin = svc.user("admin")
    a = member(svc, "rep")
    b = member(svc, "rep")
    svc.client.patch(
        f"/api/v1/assignment-rules/members/{a.id}",
        json={"max_open_leads": 1},
        headers=admin.headers,
    )
    svc.client.post(
        "/api/v1/assignment-rules",
        json={
            "name": "All",
            "strategy": "least_loaded",
            "members": [str(a.id), str(b.id)],
            "response_minutes": 1,
        },
        headers=admin.headers,
    )
    svc.client.post(
        "/api/v1/leads/batch",
        json={"auto_assign": True, "leads": [{"name": f"L{i}"} for i in range(4)]},
        headers=admin.headers,
    )
    process(svc)
    owners = [
        i["owner_id"] for i in svc.client.get("/api/v1/leads", headers=admin.headers).json["items"]
    ]
    assert owners.count(str(a.id)) == 1
    assert owners.count(str(b.id)) == 3
    # Time passes with no follow-up: the leads go back for reassignment.
    with svc.db.transaction() as session:
        from datetime import timedelta

        from crm_shared.db import utcnow

        for lead in session.scalars(select(Lead)):
            lead.response_due_at = utcnow() - timedelta(minutes=1)
    svc.client.patch(
        f"/api/v1/assignment-rules/members/{a.id}",
        json={"max_open_leads": 10},
        headers=admin.headers,
    )
    moved = svc.run_job("reassign-overdue")
    assert moved >= 1
    timeouts = [e for e in svc.events("lead.assigned") if e["data"]["method"] == "response_timeout"]
    assert timeouts and all(
        e["data"]["owner_id"] != e["data"]["previous_owner_id"] for e in timeouts
    )
