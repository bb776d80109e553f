"""Events the database builds for bulk captures keep the published contract."""

from __future__ import annotations

import pytest

from crm_shared.events import Event, validate_data
from leads.service import SERVICE

pytestmark = pytest.mark.integration


def test_a_bulk_capture_writes_one_valid_event_and_activity_per_new_lead(
    harness_factory, pg_database
):
    svc = harness_factory(SERVICE, database_url=pg_database("leads"))
    rep = svc.user("rep")
    items = [
        {"name": f"Bulk {i}", "email": f"bulk-{i}@example.com", "company": "Bulk Co"}
        for i in range(60)
    ]
    items.append({"name": "Again", "email": "BULK-3@example.com"})  # the same person: a touch
    response = svc.client.post("/api/v1/leads/batch", json={"leads": items}, headers=rep.headers)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 60
    events = svc.events("lead.captured")
    assert len(events) == 60
    ids = set()
    for envelope in events:
        event = Event.from_envelope(envelope)
        validate_data(event.type, event.version, event.data)
        assert event.subject == event.data["lead_id"]
        assert event.source == "crm/leads"
        ids.add(event.data["lead_id"])
    assert len(ids) == 60
    listed = svc.client.get("/api/v1/leads", query_string={"limit": 200}, headers=rep.headers).json
    assert {item["id"] for item in listed["items"]} == ids
    history = svc.client.get(
        f"/api/v1/leads/{events[0]['data']['lead_id']}/activities", headers=rep.headers
    )
    assert history.status_code == 200
    assert any(a["kind"] == "captured" for a in history.json["items"])
