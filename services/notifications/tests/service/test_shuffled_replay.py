"""Shuffled, duplicated delivery tells the same people the same things as the ordered one."""

import uuid

from sqlalchemy import select

from crm_shared.testing import check_order_independence
from notifications.models import Delivery, Notification
from notifications.service import SERVICE

from .flow import lead_assigned


def test_shuffled_duplicated_replay_equals_the_ordered_one(harness_factory, monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_BATCH_SECONDS", "0")
    first = harness_factory(SERVICE)
    team = uuid.uuid4()
    manager, rep, rep2 = (first.user("manager", team_id=team), first.user(), first.user())
    events = [
        first.event(
            "user.created",
            {
                "user_id": str(u.id),
                "username": n,
                "roles": list(u.roles),
                "active": True,
                "team_id": str(team),
                "email": f"{n}@example.com",
            },
        )
        for n, u in (("manager", manager), ("rep", rep), ("rep2", rep2))
    ]
    events.append(
        first.event(
            "team.created",
            {
                "team_id": str(team),
                "name": "华北",
                "manager_id": str(manager.id),
                "parent_id": None,
            },
        )
    )
    events += [first.event("lead.assigned", lead_assigned(rep, by=manager)) for _ in range(3)]
    events.append(first.event("lead.assigned", lead_assigned(rep2, previous=rep)))
    events.append(
        first.event(
            "approval.decided",
            {
                "request_id": str(uuid.uuid4()),
                "service": "orders",
                "kind": "contract",
                "document_id": str(uuid.uuid4()),
                "title": "合同 A",
                "status": "approved",
                "decided_by": str(manager.id),
                "submitter_id": str(rep.id),
                "decided_at": "2026-12-03T03:00:00Z",
            },
        )
    )

    def state(svc):
        with svc.db.reading() as session:
            deliveries = sorted(
                (str(d.recipient_id), d.channel, d.event_id)
                for d in session.scalars(select(Delivery))
            )
            counts = sorted(
                (str(n.user_id), n.event_type, n.count)
                for n in session.scalars(select(Notification))
            )
        return deliveries, counts

    check_order_independence(
        lambda: harness_factory(SERVICE), events, state, runs=4, reissue=False
    ).assert_same()
