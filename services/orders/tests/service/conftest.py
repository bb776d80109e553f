import uuid

import pytest

from orders.models import DirectoryEntry


@pytest.fixture
def people(svc):
    """A rep and their manager in one team, a finance clerk and an admin, in orders' directory."""
    team = uuid.uuid4()
    rep = svc.user("rep", team_id=team)
    manager = svc.user("manager", team_id=team)
    finance = svc.user("rep")
    admin = svc.user("admin")
    for user, roles in ((rep, ["rep"]), (manager, ["manager"]), (admin, ["admin"])):
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
    # The gateway has no finance role yet (its user.* contract names four roles), so the
    # finance clerk is written into the directory copy as that role would arrive.
    with svc.db.session() as session:
        session.add(
            DirectoryEntry(
                id=finance.id, username="finance", roles=["finance"], team_id=None, active=True
            )
        )
        session.commit()
    return rep, manager, finance, admin
