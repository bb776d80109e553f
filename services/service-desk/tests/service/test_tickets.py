"""Service tests of the service desk: tickets, satisfaction, and the owner copy."""

import uuid

import pytest


def customer_owned_by(svc, visible, owner, at="2026-11-01T00:00:00Z"):
    customer_id = str(uuid.uuid4())
    visible.add(customer_id)
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": customer_id,
                "name": "Acme",
                "owner_id": str(owner.id),
                "team_id": str(owner.team_id) if owner.team_id else None,
                "created_at": at,
            },
        )
    )
    return customer_id


def test_closing_names_the_customers_current_owner(svc, visible):
    rep, new_owner = svc.user(team_id=uuid.uuid4()), svc.user()
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, rep)
    ticket = svc.client.post(
        "/api/v1/tickets",
        json={"customer_id": customer_id, "subject": "Broken"},
        headers=agent.headers,
    )
    assert ticket.status_code == 201
    svc.deliver(
        svc.event(
            "customer.claimed",
            {
                "customer_id": customer_id,
                "owner_id": str(new_owner.id),
                "claimed_at": "2026-11-10T00:00:00Z",
            },
        )
    )
    # An older event arriving late must not roll the owner back.
    svc.deliver(
        svc.event(
            "customer.claimed",
            {
                "customer_id": customer_id,
                "owner_id": str(rep.id),
                "claimed_at": "2026-11-05T00:00:00Z",
            },
        )
    )
    url = f"/api/v1/tickets/{ticket.json['id']}/close"
    closed = svc.client.post(url, json={"satisfaction": 4}, headers=agent.headers)
    assert closed.status_code == 200 and closed.json["satisfaction"] == 4
    [event] = svc.events("ticket.closed")
    assert event["data"]["customer_owner_id"] == str(new_owner.id)
    assert event["data"]["satisfaction"] == 4
    assert svc.client.post(url, json={"satisfaction": 5}, headers=agent.headers).status_code == 409
    assert len(svc.events("ticket.closed")) == 1


@pytest.mark.parametrize("satisfaction", [0, 6, "great"])
def test_satisfaction_must_be_one_to_five(svc, visible, satisfaction):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    ticket = svc.client.post(
        "/api/v1/tickets", json={"customer_id": customer_id, "subject": "Q"}, headers=agent.headers
    ).json
    response = svc.client.post(
        f"/api/v1/tickets/{ticket['id']}/close",
        json={"satisfaction": satisfaction},
        headers=agent.headers,
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "satisfaction"
    assert (
        svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=agent.headers).json["status"]
        == "new"
    )


def test_unknown_customer_is_refused(svc):
    agent = svc.user("service_agent")
    response = svc.client.post(
        "/api/v1/tickets",
        json={"customer_id": str(uuid.uuid4()), "subject": "?"},
        headers=agent.headers,
    )
    assert response.status_code == 422
    assert svc.events("ticket.opened") == []


def test_reps_see_tickets_of_their_customers_only(svc, visible):
    rep, other = svc.user(), svc.user()
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, rep)
    ticket = svc.client.post(
        "/api/v1/tickets", json={"customer_id": customer_id, "subject": "Hi"}, headers=agent.headers
    ).json
    assert svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=rep.headers).status_code == 200
    assert (
        svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=other.headers).status_code == 404
    )
    assert svc.client.get("/api/v1/tickets", headers=other.headers).json["items"] == []
