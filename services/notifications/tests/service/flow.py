"""Helpers of the notifications service tests: people in the directory, events about them."""

from __future__ import annotations

import uuid
from typing import Any


def person(svc, name: str, *roles: str, team=None, email: str | None = None):
    """A user known to the directory (and the contacts copy, with an email)."""
    user = svc.user(*(roles or ("rep",)), team_id=team)
    svc.deliver(
        svc.event(
            "user.created",
            {
                "user_id": str(user.id),
                "username": name,
                "roles": list(user.roles),
                "team_id": str(team) if team else None,
                "active": True,
                "email": email if email is not None else f"{name}@example.com",
                "display_name": name,
            },
        )
    )
    return user


def org(svc) -> dict[str, Any]:
    """A team with a manager, two reps and an admin."""
    team = uuid.uuid4()
    people = {
        "manager": person(svc, "manager", "manager", team=team),
        "rep": person(svc, "rep", team=team),
        "rep2": person(svc, "rep2", team=team),
        "admin": person(svc, "admin", "admin"),
    }
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


def lead_assigned(owner, *, by=None, previous=None, lead_id=None):
    """A ``lead.assigned`` event's data."""
    return {
        "lead_id": str(lead_id or uuid.uuid4()),
        "owner_id": str(owner.id),
        "team_id": None,
        "previous_owner_id": str(previous.id) if previous else None,
        "method": "manual",
        "assigned_by": str(by.id) if by else None,
        "assigned_at": "2026-12-03T02:00:00Z",
    }
