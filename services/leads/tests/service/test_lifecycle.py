"""The lead lifecycle: statuses, qualification, disqualification with a reason."""

from __future__ import annotations


def test_lifecycle_and_disqualification_reason(svc):
    rep = svc.user()
    lead = svc.client.post("/api/v1/leads", json={"name": "L"}, headers=rep.headers).json
    url = f"/api/v1/leads/{lead['id']}"
    assert (
        svc.client.post(url + "/status", json={"status": "nurturing"}, headers=rep.headers).json[
            "status"
        ]
        == "nurturing"
    )
    activity = svc.client.post(
        url + "/activities",
        json={
            "kind": "note",
            "note": "call back",
            "next_step": "call",
            "next_step_at": "2030-01-01T09:00:00Z",
        },
        headers=rep.headers,
    )
    assert activity.status_code == 201
    assert svc.client.get(url, headers=rep.headers).json["next_step"] == "call"
    missing = svc.client.post(url + "/disqualify", json={}, headers=rep.headers)
    assert missing.status_code == 422
    done = svc.client.post(url + "/disqualify", json={"reason": "no budget"}, headers=rep.headers)
    assert done.json["status"] == "disqualified"
    [event] = svc.events("lead.disqualified")
    assert event["data"]["reason"] == "no budget"
    assert svc.client.post(url + "/qualify", headers=rep.headers).status_code == 409
