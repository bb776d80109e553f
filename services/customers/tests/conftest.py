from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from customers.models import Customer
from customers.service import SERVICE


@pytest.fixture
def svc(harness_factory):
    """The customers service on a fresh SQLite database with the in-memory bus."""
    return harness_factory(SERVICE)


def introduce(svc, *users) -> None:
    """Tell the service about users, as the gateway's ``user.created`` would."""
    for user in users:
        svc.deliver(
            svc.event(
                "user.created",
                {
                    "user_id": str(user.id),
                    "username": user.username,
                    "roles": list(user.roles),
                    "team_id": str(user.team_id) if user.team_id else None,
                    "active": True,
                },
            )
        )


def create(svc, user, status: int = 201, **body: Any) -> dict[str, Any]:
    """A customer entered by ``user`` (owned by them unless ``in_pool``)."""
    body.setdefault("name", f"Customer {uuid.uuid4().hex[:6]}")
    response = svc.client.post("/api/v1/customers", json=body, headers=user.headers)
    assert response.status_code == status, response.json
    return response.json


def pooled(svc, user, **body: Any) -> dict[str, Any]:
    """A customer put straight into a pool by ``user``."""
    return create(svc, user, in_pool=True, **body)


def backdate(svc, customer_id, days: float, **extra: Any) -> None:
    """Pretend the customer was claimed ``days`` ago (and set other columns)."""
    when = datetime.now(UTC) - timedelta(days=days)
    with svc.db.transaction() as session:
        session.execute(
            update(Customer)
            .where(Customer.id == uuid.UUID(str(customer_id)))
            .values(claimed_at=when, **extra)
        )


def url(customer: dict[str, Any] | str, suffix: str = "") -> str:
    cid = customer["id"] if isinstance(customer, dict) else customer
    return f"/api/v1/customers/{cid}{suffix}"
