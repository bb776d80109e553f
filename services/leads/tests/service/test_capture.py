"""Capture and dedup through the API: normalised, merged as touches, batches, duplicates."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from leads.models import LeadActivity


def test_capture_normalises_and_a_second_capture_merges_as_a_touch(svc):
    rep = svc.user()
    first = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada", "email": "ADA@example.com", "phone": "+44 20 7946 0958"},
        headers=rep.headers,
    )
    assert first.status_code == 201, first.json
    assert first.json["phone"] == "+442079460958"
    again = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada L.", "email": "ada@EXAMPLE.com"},
        headers=rep.headers,
    )
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert again.json["touches"] >= 2
    by_phone = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "phone": "+44 (0)20 7946 0958"}, headers=rep.headers
    )
    assert by_phone.status_code == 200 and by_phone.json["id"] == first.json["id"]
    assert len(svc.events("lead.captured")) == 1
    with svc.db.session() as session:
        kinds = session.scalars(
            select(LeadActivity.kind).where(LeadActivity.lead_id == uuid.UUID(first.json["id"]))
        ).all()
    assert "touch" in kinds


def test_bad_phone_is_a_field_error_and_nothing_is_stored(svc, count):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads", json={"name": "X", "phone": "12"}, headers=rep.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "phone"
    assert count(svc) == 0


def test_batch_keeps_good_items_and_reports_each(svc, count):
    rep = svc.user()
    items = [
        {"name": "One", "email": "one@example.com"},
        {"name": "", "email": "bad"},
        {"name": "One again", "email": "ONE@example.com"},
        {"name": "Two", "phone": "+1 415 555 2671"},
        "not an object",
        {"name": "Three", "owner_id": str(uuid.uuid4())},
    ]
    response = svc.client.post("/api/v1/leads/batch", json={"leads": items}, headers=rep.headers)
    assert response.status_code == 200, response.json
    body = response.json
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "failed", "merged", "created", "failed", "failed"]
    assert {e["field"] for e in body["results"][1]["errors"]} == {"name", "email"}
    assert body["results"][5]["errors"][0]["field"] == "owner_id"
    assert body["results"][2]["id"] == body["results"][0]["id"]
    assert (body["created"], body["merged"], body["failed"]) == (2, 1, 3)
    assert count(svc) == 2
    too_many = svc.client.post(
        "/api/v1/leads/batch", json={"leads": [{"name": "x"}] * 1001}, headers=rep.headers
    )
    assert too_many.status_code == 422


def test_likely_duplicates_are_flagged_and_merge_keeps_both_histories(svc, count, process):
    rep = svc.user()
    a = svc.client.post(
        "/api/v1/leads",
        json={"name": "Grace Hopper", "company": "Navy Ltd", "email": "g@navy.mil"},
        headers=rep.headers,
    ).json
    b = svc.client.post(
        "/api/v1/leads",
        json={"name": "grace hopper", "company": "NAVY", "phone": "+1 415 555 2671"},
        headers=rep.headers,
    ).json
    process(svc)
    flagged = svc.client.get("/api/v1/leads?duplicates=true", headers=rep.headers).json
    assert [i["id"] for i in flagged["items"]] == [b["id"]]
    assert flagged["items"][0]["possible_duplicate_of"] == a["id"]
    svc.client.post(
        f"/api/v1/leads/{b['id']}/activities", json={"kind": "call"}, headers=rep.headers
    )
    merged = svc.client.post(
        f"/api/v1/leads/{a['id']}/merge", json={"other_id": b["id"]}, headers=rep.headers
    )
    assert merged.status_code == 200, merged.json
    assert merged.json["phone"] == "+14155552671"  # filled from the other
    history = svc.client.get(f"/api/v1/leads/{a['id']}/activities", headers=rep.headers).json
    kinds = [i["kind"] for i in history["items"]]
    assert "call" in kinds and "merged" in kinds and kinds.count("captured") == 2
    gone = svc.client.get(f"/api/v1/leads/{b['id']}", headers=rep.headers).json
    assert gone["merged_into_id"] == a["id"]
    assert count(svc) == 1
