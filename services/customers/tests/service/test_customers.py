"""Service tests of customers: from qualified lead to pool, claim and release."""

import uuid

from sqlalchemy import func, select

from customers.models import Customer, OwnershipChange


def qualified(svc, owner, team=None, **extra):
    data = {
        "lead_id": str(uuid.uuid4()),
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "company": "Analytical Engines",
        "owner_id": str(owner.id),
        "team_id": str(team) if team else None,
        "qualified_at": "2026-11-20T09:00:00Z",
        **extra,
    }
    return svc.event("lead.qualified", data)


def test_a_qualified_lead_becomes_one_customer_owned_by_the_leads_owner(svc):
    rep = svc.user(team_id=uuid.uuid4())
    event = qualified(svc, rep, rep.team_id)
    assert svc.deliver(event) is True
    assert svc.deliver(event) is False
    # A second event about the same lead (a replay under another id) changes nothing either.
    assert svc.deliver(svc.event("lead.qualified", event.data)) is True
    found = svc.client.get(
        "/api/v1/customers", query_string={"lead_id": event.data["lead_id"]}, headers=rep.headers
    ).json["items"]
    assert len(found) == 1
    customer = found[0]
    assert customer["owner_id"] == str(rep.id)
    assert customer["name"] == "Analytical Engines"
    assert customer["lead_id"] == event.data["lead_id"]
    [created] = svc.events("customer.created")
    assert created["data"]["customer_id"] == customer["id"]


def test_release_then_claim_moves_ownership_through_the_pool(svc):
    team = uuid.uuid4()
    owner, other = svc.user(team_id=team), svc.user(team_id=team)
    svc.deliver(qualified(svc, owner, team))
    customer = svc.client.get("/api/v1/customers", headers=owner.headers).json["items"][0]
    url = f"/api/v1/customers/{customer['id']}"

    # Someone else's customer the caller cannot see: 404, like reading it (issue 13 item 5).
    assert svc.client.post(url + "/claim", headers=other.headers).status_code == 404
    released = svc.client.post(
        url + "/release", json={"reason": "no budget"}, headers=owner.headers
    )
    assert released.status_code == 200
    assert released.json["owner_id"] is None and released.json["in_pool"] is True
    [recycled] = svc.events("customer.recycled")
    assert recycled["data"]["previous_owner_id"] == str(owner.id)
    assert recycled["data"]["reason"] == "no budget"
    assert recycled["data"]["lead_id"] == customer["lead_id"]

    claimed = svc.client.post(url + "/claim", headers=other.headers)
    assert claimed.status_code == 200
    assert claimed.json["owner_id"] == str(other.id)
    assert svc.client.post(url + "/claim", headers=owner.headers).status_code == 404
    assert svc.client.get(url, headers=owner.headers).status_code == 404
    [claim_event] = svc.events("customer.claimed")
    assert claim_event["data"]["owner_id"] == str(other.id)
    with svc.db.session() as session:
        actions = session.scalars(select(OwnershipChange.action).order_by(OwnershipChange.at)).all()
    assert actions == ["created", "released", "claimed"]


def test_claiming_an_owned_customer_conflicts(svc):
    admin = svc.user("admin")
    owner = svc.user()
    svc.deliver(qualified(svc, owner))
    customer = svc.client.get("/api/v1/customers", headers=owner.headers).json["items"][0]
    response = svc.client.post(f"/api/v1/customers/{customer['id']}/claim", headers=admin.headers)
    assert response.status_code == 409
    assert svc.events("customer.claimed") == []


def test_only_owner_manager_or_admin_may_release(svc):
    team = uuid.uuid4()
    owner = svc.user(team_id=team)
    stranger_manager = svc.user("manager", team_id=uuid.uuid4())
    agent = svc.user("service_agent")
    svc.deliver(qualified(svc, owner, team))
    customer = svc.client.get("/api/v1/customers", headers=owner.headers).json["items"][0]
    url = f"/api/v1/customers/{customer['id']}/release"
    assert svc.client.post(url, headers=stranger_manager.headers).status_code == 404
    assert svc.client.post(url, headers=agent.headers).status_code == 403
    manager = svc.user("manager", team_id=team)
    assert svc.client.post(url, headers=manager.headers).status_code == 200
    # Now in the pool: visible to the former owner, but there is nothing to release.
    assert svc.client.post(url, headers=owner.headers).status_code == 409


def test_create_by_hand_and_bad_input(svc):
    rep = svc.user()
    created = svc.client.post("/api/v1/customers", json={"name": "Acme"}, headers=rep.headers)
    assert created.status_code == 201
    assert created.json["owner_id"] == str(rep.id)
    bad = svc.client.post(
        "/api/v1/customers", json={"name": "", "kind": "alien"}, headers=rep.headers
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"name", "kind"}
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_a_batch_of_qualified_leads_makes_one_customer_per_lead(svc):
    """The batch form: a lead repeated in the batch, or already made, adds nothing."""
    rep = svc.user(team_id=uuid.uuid4())
    done = qualified(svc, rep, rep.team_id)
    assert svc.deliver(done) is True
    events = [qualified(svc, rep, rep.team_id, company=None, name=f"陈{i}") for i in range(5)]
    # The same lead again under another id, inside the batch and from before it.
    events += [svc.event("lead.qualified", events[0].data), svc.event("lead.qualified", done.data)]
    assert svc.deliver_many(events) == ["handled"] * 7
    found = svc.client.get("/api/v1/customers", headers=rep.headers, query_string={"limit": 50})
    items = found.json["items"]
    assert len(items) == 6
    assert sorted(c["name"] for c in items if c["lead_id"] != done.data["lead_id"]) == [
        f"陈{i}" for i in range(5)
    ]
    assert all(c["owner_id"] == str(rep.id) for c in items)
    assert sorted(c["kind"] for c in items) == ["company"] + ["person"] * 5
    created = svc.events("customer.created")
    assert sorted(e["data"]["customer_id"] for e in created) == sorted(c["id"] for c in items)
