"""Leads' members copy ends the same whatever order the user events arrive in."""

from __future__ import annotations

import time
import uuid

from crm_shared.testing import check_order_independence
from leads.models import Member
from leads.service import SERVICE


def user_history(svc, user_id: uuid.UUID) -> list:
    team_a, team_b = str(uuid.uuid4()), str(uuid.uuid4())
    states = [
        ("user.created", "王芳", ["rep"], team_a, True),
        ("user.updated", "王芳", ["rep", "manager"], team_a, True),
        ("user.updated", "王芳", ["manager"], team_b, True),
        ("user.updated", "王芳", ["manager"], team_b, False),
    ]
    events = []
    for kind, username, roles, team, active in states:
        data = {"user_id": str(user_id), "username": username, "roles": roles}
        events.append(svc.event(kind, {**data, "team_id": team, "active": active}))
        time.sleep(0.002)  # distinct event times: "newest wins" needs an order to exist
    return events


def test_shuffled_and_repeated_user_events_leave_the_newest_member(harness_factory):
    def make():
        return harness_factory(SERVICE)

    user_id = uuid.uuid4()
    events = user_history(make(), user_id)

    def state(svc):
        with svc.db.reading() as session:
            member = session.get(Member, user_id)
            return member.roles, str(member.team_id), member.active

    check = check_order_independence(make, events, state, runs=8)
    check.assert_same()
    assert check.expected == (["manager"], events[-1].data["team_id"], False)
