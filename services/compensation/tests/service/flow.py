"""Helpers of the compensation service tests: an org tree, and events from the other services."""

from __future__ import annotations

import uuid
from typing import Any


def org(svc) -> dict[str, Any]:
    """A team with a manager, two reps, a finance clerk and an admin, known to the directory."""
    team = uuid.uuid4()
    people = {
        "manager": svc.user("manager", team_id=team),
        "rep": svc.user(team_id=team),
        "rep2": svc.user(team_id=team),
        "finance": svc.user("finance"),
        "admin": svc.user("admin"),
    }
    for name, user in people.items():
        svc.deliver(
            svc.event(
                "user.created",
                {
                    "user_id": str(user.id),
                    "username": name,
                    "roles": list(user.roles),
                    "team_id": str(user.team_id) if user.team_id else None,
                    "active": True,
                },
            )
        )
    svc.deliver(
        svc.event(
            "team.created",
            {
                "team_id": str(team),
                "name": "华东销售",
                "manager_id": str(people["manager"].id),
                "parent_id": None,
            },
        )
    )
    return {"team": team, **people}


def deal_won(svc, rep, team, amount="100000.00", lines=None, when="2026-03-02T09:00:00Z", **extra):
    """A ``deal.won`` event of the opportunities service."""
    return svc.event(
        "deal.won",
        {
            "opportunity_id": str(extra.pop("opportunity_id", uuid.uuid4())),
            "customer_id": str(uuid.uuid4()),
            "amount": amount,
            "currency": "CNY",
            "owner_id": str(rep.id),
            "team_id": str(team),
            "won_at": when,
            **({"lines": lines} if lines else {}),
        },
    )


def payment(svc, rep, team, amount, when, opportunity_id=None):
    """A ``payment.received`` event of the orders service."""
    return svc.event(
        "payment.received",
        {
            "payment_id": str(uuid.uuid4()),
            "order_id": str(uuid.uuid4()),
            "customer_id": str(uuid.uuid4()),
            "amount": amount,
            "currency": "CNY",
            "owner_id": str(rep.id),
            "team_id": str(team),
            "received_at": when,
            **({"opportunity_id": str(opportunity_id)} if opportunity_id else {}),
        },
    )


def refund(svc, rep, team, paid, amount, when):
    """A ``payment.refunded`` event taking back part of ``paid``."""
    return svc.event(
        "payment.refunded",
        {
            "refund_id": str(uuid.uuid4()),
            "payment_id": paid.data["payment_id"],
            "order_id": paid.data["order_id"],
            "customer_id": paid.data["customer_id"],
            "amount": amount,
            "currency": "CNY",
            "owner_id": str(rep.id),
            "team_id": str(team),
            "reason": "退货",
            "refunded_at": when,
        },
    )


PLAN = {
    "name": "2026 销售提成",
    "currency": "CNY",
    "base": "collected",
    "tiers": [
        {"from": "0", "to": "80", "rate": "3"},
        {"from": "80", "to": "100", "rate": "5"},
        {"from": "100", "to": None, "rate": "8"},
    ],
    "clawback_window_days": 90,
}


def approve_all(svc, approver, kind: str, document_id: str) -> dict[str, Any]:
    """The approver decides the document's open request; returns the request."""
    history = svc.client.get(
        f"/api/v1/compensation/approvals/documents/{kind}/{document_id}", headers=approver.headers
    )
    assert history.status_code == 200, history.json
    request = history.json["items"][-1]
    response = svc.client.post(
        f"/api/v1/compensation/approvals/{request['id']}/approve",
        json={"comment": "同意"},
        headers=approver.headers,
    )
    assert response.status_code == 200, response.json
    return response.json
