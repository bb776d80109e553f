import uuid

import pytest


@pytest.fixture
def people(svc):
    """A rep and their manager in one team, a finance clerk and an admin, in orders' directory."""
    team = uuid.uuid4()
    rep = svc.user("rep", team_id=team)
    manager = svc.user("manager", team_id=team)
    finance = svc.user("rep")
    admin = svc.user("admin")
    for user, roles in (
        (rep, ["rep"]),
        (manager, ["manager"]),
        (finance, ["finance"]),
        (admin, ["admin"]),
    ):
        svc.deliver(
            svc.event(
                "user.created",
                {
                    "user_id": str(user.id),
                    "username": user.username,
                    "roles": roles,
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
                "name": "华东",
                "manager_id": str(manager.id),
                "parent_id": None,
            },
        )
    )
    return rep, manager, finance, admin
