"""Customers' copies end the same whatever order, and however often, events arrive."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import func, select

from crm_shared.testing import check_order_independence
from customers.models import Customer, User
from customers.service import SERVICE


def test_shuffled_and_repeated_user_events_leave_the_newest_user(harness_factory):
    def make():
        return harness_factory(SERVICE)

    user_id, team = uuid.uuid4(), str(uuid.uuid4())
    probe = make()
    events = []
    for kind, roles, active in [
        ("user.created", ["rep"], True),
        ("user.updated", ["rep", "manager"], True),
        ("user.updated", ["manager"], False),
    ]:
        data = {"user_id": str(user_id), "username": "李娜", "roles": roles, "team_id": team}
        events.append(probe.event(kind, {**data, "active": active}))
        time.sleep(0.002)  # distinct event times: "newest wins" needs an order to exist

    def state(svc):
        with svc.db.reading() as session:
            user = session.get(User, user_id)
            return user.roles, user.active

    check = check_order_independence(make, events, state, runs=8)
    check.assert_same()
    assert check.expected == (["manager"], False)


def test_a_qualified_lead_delivered_twice_or_under_a_new_id_makes_one_customer(harness_factory):
    def make():
        return harness_factory(SERVICE)

    probe = make()
    owner = str(uuid.uuid4())
    events = [
        probe.event(
            "lead.qualified",
            {
                "lead_id": str(uuid.uuid4()),
                "name": f"客户 {i}",
                "owner_id": owner,
                "qualified_at": "2026-02-17T09:00:00+00:00",
            },
        )
        for i in range(3)
    ]

    def state(svc):
        with svc.db.reading() as session:
            total = session.scalar(select(func.count()).select_from(Customer))
            names = sorted(session.scalars(select(Customer.name)))
            return total, names

    check = check_order_independence(make, events, state, runs=5)
    check.assert_same()
    assert check.expected == (3, ["客户 0", "客户 1", "客户 2"])
