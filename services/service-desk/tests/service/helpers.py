"""What the service tests share: a customer with an owner, and a ticket on it."""

import uuid


def customer_owned_by(svc, visible, owner, at="2026-11-01T00:00:00Z"):
    customer_id = str(uuid.uuid4())
    visible.add(customer_id)
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": customer_id,
                "name": "Acme 华东",
                "owner_id": str(owner.id),
                "team_id": str(owner.team_id) if owner.team_id else None,
                "created_at": at,
            },
        )
    )
    return customer_id


def open_ticket(svc, agent, customer_id, **fields):
    response = svc.client.post(
        "/api/v1/tickets",
        json={"customer_id": customer_id, "subject": "打印机坏了", **fields},
        headers=agent.headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def move(svc, user, ticket_id, status, expect=200):
    response = svc.client.post(
        f"/api/v1/tickets/{ticket_id}/status", json={"status": status}, headers=user.headers
    )
    assert response.status_code == expect, response.json
    return response.json


def reply(svc, user, ticket_id, body="我们正在处理", visibility="public", **extra):
    return svc.client.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"visibility": visibility, "body": body, **extra},
        headers=user.headers,
    )
