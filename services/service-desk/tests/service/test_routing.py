"""Service tests of routing: rules to groups, strategies, cap, reassignment, scope."""

import uuid

from .helpers import customer_owned_by, open_ticket


def group(svc, admin, name, **fields):
    response = svc.client.post(
        "/api/v1/tickets/groups", json={"name": name, **fields}, headers=admin.headers
    )
    assert response.status_code == 201, response.json
    return response.json


def agent_in(svc, admin, group_id, user, **fields):
    response = svc.client.put(
        f"/api/v1/tickets/groups/{group_id}/agents/{user.id}", json=fields, headers=admin.headers
    )
    assert response.status_code == 200, response.json


def rule(svc, admin, group_id, **fields):
    response = svc.client.post(
        "/api/v1/tickets/routing-rules",
        json={"group_id": group_id, **fields},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.json


def test_round_robin_among_available_agents_under_the_cap(svc, visible):
    admin, opener = svc.user("admin"), svc.user("admin")
    printers = group(svc, admin, "打印机", cap_per_agent=2)
    a, b, away = svc.user("service_agent"), svc.user("service_agent"), svc.user("service_agent")
    agent_in(svc, admin, printers["id"], a)
    agent_in(svc, admin, printers["id"], b)
    agent_in(svc, admin, printers["id"], away, available=False)
    rule(svc, admin, printers["id"], category="printer")
    customer_id = customer_owned_by(svc, visible, svc.user())
    got = [
        open_ticket(svc, opener, customer_id, category="printer")["assignee_id"] for _ in range(5)
    ]
    assert sorted(got[:4]) == sorted([str(a.id), str(b.id)] * 2)
    assert got[0] != got[1]
    assert got[4] is None  # both at their cap of two: the ticket waits in the group
    assert str(away.id) not in got
    events = svc.events("ticket.assigned")
    assert len(events) == 5 and events[0]["data"]["group_id"] == printers["id"]
    # Other categories match no rule: no group.
    assert open_ticket(svc, opener, customer_id, category="billing")["group_id"] is None


def test_least_open_and_skills(svc, visible):
    admin = svc.user("admin")
    customer_id = customer_owned_by(svc, visible, svc.user())
    busy, free = svc.user("service_agent"), svc.user("service_agent")
    least = group(svc, admin, "least", strategy="least_open")
    agent_in(svc, admin, least["id"], busy)
    rule(svc, admin, least["id"], priority="high", position=1)
    open_ticket(svc, admin, customer_id, priority="high")
    agent_in(svc, admin, least["id"], free)
    assert open_ticket(svc, admin, customer_id, priority="high")["assignee_id"] == str(free.id)
    skilled = group(svc, admin, "skills", strategy="skills")
    speaker, other = svc.user("service_agent"), svc.user("service_agent")
    agent_in(svc, admin, skilled["id"], speaker, skills=["粤语", "printer"])
    agent_in(svc, admin, skilled["id"], other, skills=["printer"])
    rule(svc, admin, skilled["id"], channel="phone", skills=["粤语"], position=2)
    got = open_ticket(svc, admin, customer_id, channel="phone")
    assert got["assignee_id"] == str(speaker.id)


def test_manual_reassignment_needs_a_member_and_a_reason(svc, visible):
    admin = svc.user("admin")
    team = group(svc, admin, "team")
    member, stranger = svc.user("service_agent"), svc.user("service_agent")
    agent_in(svc, admin, team["id"], member)
    ticket = open_ticket(svc, admin, customer_owned_by(svc, visible, svc.user()))
    url = f"/api/v1/tickets/{ticket['id']}/assign"
    no_reason = svc.client.post(
        url, json={"group_id": team["id"], "assignee_id": str(member.id)}, headers=admin.headers
    )
    assert no_reason.status_code == 422 and no_reason.json["errors"][0]["field"] == "reason"
    outsider = svc.client.post(
        url,
        json={"group_id": team["id"], "assignee_id": str(stranger.id), "reason": "x"},
        headers=admin.headers,
    )
    assert outsider.status_code == 422 and outsider.json["errors"][0]["field"] == "assignee_id"
    unknown = svc.client.post(
        url, json={"group_id": str(uuid.uuid4()), "reason": "x"}, headers=admin.headers
    )
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "group_id"
    assert svc.events("ticket.assigned") == []
    done = svc.client.post(
        url,
        json={"group_id": team["id"], "assignee_id": str(member.id), "reason": "说粤语"},
        headers=admin.headers,
    )
    assert done.status_code == 200 and done.json["assignee_id"] == str(member.id)
    [event] = svc.events("ticket.assigned")
    assert event["data"]["reason"] == "说粤语" and event["data"]["assigned_by"] == str(admin.id)


def test_agents_see_their_groups_tickets(svc, visible):
    admin = svc.user("admin")
    east, west = group(svc, admin, "east"), group(svc, admin, "west")
    easterner, westerner = svc.user("service_agent"), svc.user("service_agent")
    agent_in(svc, admin, east["id"], easterner, available=False)
    agent_in(svc, admin, west["id"], westerner, available=False)
    rule(svc, admin, east["id"], category="east")
    ticket = open_ticket(svc, admin, customer_owned_by(svc, visible, svc.user()), category="east")
    url = f"/api/v1/tickets/{ticket['id']}"
    assert svc.client.get(url, headers=easterner.headers).status_code == 200
    assert svc.client.get(url, headers=westerner.headers).status_code == 404
    listed = svc.client.get("/api/v1/tickets", headers=westerner.headers).json["items"]
    assert listed == []
