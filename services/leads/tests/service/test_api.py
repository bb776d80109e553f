"""Service tests of the leads API: what a client sees, and what gets published."""

import uuid

from sqlalchemy import func, select

from leads.models import Lead, LeadActivity


def lead_count(svc) -> int:
    with svc.db.session() as session:
        return session.scalar(select(func.count()).select_from(Lead))


def test_create_lead_is_owned_by_its_creator_and_announced(svc):
    rep = svc.user("rep", team_id=uuid.uuid4())
    response = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada Lovelace", "email": "Ada@Example.COM", "company": "Analytical"},
        headers=rep.headers,
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert uuid.UUID(body["id"])
    assert body["email"] == "ada@example.com"
    assert body["owner_id"] == str(rep.id)
    assert body["team_id"] == str(rep.team_id)
    assert body["status"] == "new"
    [captured] = svc.events("lead.captured")
    assert captured["data"]["lead_id"] == body["id"]
    assert captured["specversion"] == "1.0"
    assert captured["source"] == "crm/leads"


def test_bad_input_names_the_field_and_stores_nothing(svc):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads", json={"name": "", "email": "not-an-email"}, headers=rep.headers
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"name", "email"}
    assert lead_count(svc) == 0
    assert svc.events() == []


def test_unknown_fields_are_rejected(svc):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads", json={"name": "A", "owner_id": str(uuid.uuid4())}, headers=rep.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "owner_id"
    assert lead_count(svc) == 0


def test_malformed_json_is_a_bad_request(svc):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads",
        data="{not json",
        headers={**rep.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


def test_requests_without_a_valid_token_are_refused(svc, tokens):
    assert svc.client.get("/api/v1/leads").status_code == 401
    expired = tokens.headers(ttl=-60)
    response = svc.client.get("/api/v1/leads", headers=expired)
    assert response.status_code == 401
    assert "expired" in response.json["detail"]
    wrong_audience = tokens.headers(aud="someone-else")
    assert svc.client.get("/api/v1/leads", headers=wrong_audience).status_code == 401


def test_qualify_publishes_once_with_what_downstream_needs(svc):
    rep = svc.user(team_id=uuid.uuid4())
    lead = svc.client.post(
        "/api/v1/leads", json={"name": "Grace", "email": "g@navy.mil"}, headers=rep.headers
    ).json
    first = svc.client.post(f"/api/v1/leads/{lead['id']}/qualify", headers=rep.headers)
    assert first.status_code == 200
    assert first.json["status"] == "qualified"
    again = svc.client.post(f"/api/v1/leads/{lead['id']}/qualify", headers=rep.headers)
    assert again.status_code == 409
    [event] = svc.events("lead.qualified")
    assert event["data"]["lead_id"] == lead["id"]
    assert event["data"]["owner_id"] == str(rep.id)
    assert event["data"]["team_id"] == str(rep.team_id)
    assert event["data"]["email"] == "g@navy.mil"


def test_data_scope_own_team_all(svc):
    team = uuid.uuid4()
    rep = svc.user("rep", team_id=team)
    teammate = svc.user("rep", team_id=team)
    manager = svc.user("manager", team_id=team)
    other_manager = svc.user("manager", team_id=uuid.uuid4())
    admin = svc.user("admin")
    lead = svc.client.post("/api/v1/leads", json={"name": "Scoped"}, headers=rep.headers).json
    url = f"/api/v1/leads/{lead['id']}"
    assert svc.client.get(url, headers=rep.headers).status_code == 200
    assert svc.client.get(url, headers=teammate.headers).status_code == 404
    assert svc.client.get(url, headers=manager.headers).status_code == 200
    assert svc.client.get(url, headers=other_manager.headers).status_code == 404
    assert svc.client.get(url, headers=admin.headers).status_code == 200
    assert svc.client.post(url + "/qualify", headers=teammate.headers).status_code == 404
    listed = svc.client.get("/api/v1/leads", headers=teammate.headers).json
    assert listed["items"] == []
    listed = svc.client.get("/api/v1/leads", headers=manager.headers).json
    assert [i["id"] for i in listed["items"]] == [lead["id"]]


def test_idempotency_key_replays_the_first_response(svc):
    rep = svc.user()
    headers = {**rep.headers, "Idempotency-Key": "abc-123"}
    first = svc.client.post("/api/v1/leads", json={"name": "Once"}, headers=headers)
    second = svc.client.post("/api/v1/leads", json={"name": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert lead_count(svc) == 1
    assert len(svc.events("lead.captured")) == 1
    different = svc.client.post("/api/v1/leads", json={"name": "Other"}, headers=headers)
    assert different.status_code == 422
    assert lead_count(svc) == 1


def test_list_pages_with_a_cursor(svc):
    rep = svc.user()
    for i in range(5):
        svc.client.post("/api/v1/leads", json={"name": f"L{i}"}, headers=rep.headers)
    seen = []
    cursor = None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = svc.client.get("/api/v1/leads", query_string=query, headers=rep.headers).json
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["L4", "L3", "L2", "L1", "L0"]
    bad = svc.client.get("/api/v1/leads?cursor=garbage", headers=rep.headers)
    assert bad.status_code == 422


def test_customer_recycled_is_recorded_once_in_the_lead_history(svc):
    rep = svc.user()
    lead = svc.client.post("/api/v1/leads", json={"name": "History"}, headers=rep.headers).json
    event = svc.event(
        "customer.recycled",
        {
            "customer_id": str(uuid.uuid4()),
            "previous_owner_id": str(rep.id),
            "lead_id": lead["id"],
            "reason": "released",
            "recycled_at": "2026-11-01T10:00:00Z",
        },
    )
    assert svc.deliver(event) is True
    assert svc.deliver(event) is False
    with svc.db.session() as session:
        kinds = session.scalars(
            select(LeadActivity.kind).where(LeadActivity.lead_id == uuid.UUID(lead["id"]))
        ).all()
    assert sorted(kinds) == ["captured", "customer_recycled"]


def test_health_and_readiness(svc):
    assert svc.client.get("/healthz").json["status"] == "ok"
    ready = svc.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["database"] == "ok"


def test_openapi_document_describes_the_routes(svc):
    spec = svc.client.get("/openapi.json").json
    assert "/api/v1/leads" in spec["paths"]
    assert "/api/v1/leads/{lead_id}/qualify" in spec["paths"]
