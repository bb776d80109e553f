"""Issue 13 items 19-22 and 24 on PostgreSQL: the single-statement and COPY capture paths."""

from __future__ import annotations

import uuid

import pytest

from leads.service import SERVICE

pytestmark = pytest.mark.integration


def test_reopen_no_leak_phone_search_and_erasure_on_postgresql(harness_factory, pg_database):
    svc = harness_factory(SERVICE, database_url=pg_database("leads"))
    theirs = svc.user("rep", team_id=uuid.uuid4())
    mine = svc.user("rep", team_id=uuid.uuid4())
    admin = svc.user("admin")
    lead = svc.client.post(
        "/api/v1/leads",
        json={
            "name": "Li Wei",
            "email": " Li.Wei@example.cn ",
            "phone": "138 0013 8000",
            "country": "中国",
        },
        headers=theirs.headers,
    )
    assert lead.status_code == 201, lead.json
    assert lead.json["phone"] == "+8613800138000" and lead.json["email"] == "li.wei@example.cn"
    lead_id = lead.json["id"]
    found = svc.client.get(
        "/api/v1/leads", query_string={"q": "+86 138-0013-8000"}, headers=theirs.headers
    ).json["items"]
    assert [f["id"] for f in found] == [lead_id]
    svc.client.post(
        f"/api/v1/leads/{lead_id}/disqualify", json={"reason": "timing"}, headers=theirs.headers
    )
    # Another team's rep captures the same person: told nothing, and the lead reopens.
    merged = svc.client.post(
        "/api/v1/leads", json={"name": "Li", "email": "li.wei@example.cn"}, headers=mine.headers
    )
    assert merged.status_code == 200 and merged.json["id"] is None and merged.json["merged"]
    shown = svc.client.get(f"/api/v1/leads/{lead_id}", headers=theirs.headers).json
    assert shown["status"] == "new" and shown["reopened_at"] is not None
    # A batch large enough for COPY keeps working with the new columns.
    batch = [{"name": f"P{n}", "email": f"p{n}@example.com"} for n in range(60)]
    batch.append({"name": "Li again", "phone": "+8613800138000"})
    result = svc.client.post(
        "/api/v1/leads/batch", json={"leads": batch}, headers=mine.headers
    ).json
    assert (result["created"], result["merged"]) == (60, 1)
    assert result["results"][-1]["id"] is None
    erased = svc.client.post(f"/api/v1/leads/{lead_id}/erase", headers=admin.headers)
    assert erased.status_code == 200 and erased.json["phone"] is None
    assert [e["data"]["lead_id"] for e in svc.events("lead.erased")] == [lead_id]
