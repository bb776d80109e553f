"""The desk's copy of customer ownership ends the same whatever order the events arrive in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_shared.testing import check_order_independence
from service_desk.models import CustomerRef
from service_desk.service import SERVICE

T0 = datetime(2026, 2, 17, 9, 0, tzinfo=UTC)  # 春节 week: an everyday case


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def history(svc, customer_id: uuid.UUID) -> list:
    rep_a, rep_b, team = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    cid = str(customer_id)
    return [
        svc.event(
            "customer.created",
            {
                "customer_id": cid,
                "name": "上海云帆贸易有限公司",
                "owner_id": str(rep_a),
                "team_id": str(team),
                "created_at": at(0),
            },
        ),
        svc.event(
            "customer.recycled",
            {
                "customer_id": cid,
                "previous_owner_id": str(rep_a),
                "reason": "no_follow_up",
                "recycled_at": at(10),
            },
        ),
        svc.event(
            "customer.claimed",
            {
                "customer_id": cid,
                "owner_id": str(rep_b),
                "team_id": str(team),
                "claimed_at": at(20),
            },
        ),
        svc.event(
            "customer.assigned",
            {
                "customer_id": cid,
                "owner_id": str(rep_a),
                "team_id": str(team),
                "assigned_at": at(30),
            },
        ),
    ]


def test_shuffled_and_repeated_customer_events_leave_the_newest_owner_and_the_name(
    harness_factory, visible
):
    def make():
        return harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": visible.url})

    customer_id = uuid.uuid4()
    events = history(make(), customer_id)

    def state(svc):
        with svc.db.reading() as session:
            ref = session.get(CustomerRef, customer_id)
            return ref.name, ref.owner_id, ref.team_id, ref.as_of

    check = check_order_independence(make, events, state, runs=8)
    check.assert_same()
    name, owner, _team, as_of = check.expected
    assert name == "上海云帆贸易有限公司"
    assert str(owner) == events[-1].data["owner_id"]
    assert as_of == T0 + timedelta(minutes=30)
