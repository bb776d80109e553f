"""Races on PostgreSQL with real parallel requests: claims, limits, recycling.

Each test fires requests from several threads at once (a barrier lines them
up) against one PostgreSQL database, and checks that the outcome is one of
the serial outcomes: nothing is claimed twice, no limit is exceeded, and no
customer followed up or claimed at the moment of recycling is recycled
wrongly.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from customers.models import Customer, FollowUp, OwnershipChange
from customers.service import SERVICE

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(harness_factory, pg_database):
    return harness_factory(SERVICE, database_url=pg_database("customers"))


def parallel(calls):
    """Run the callables at the same moment in threads; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def pooled(svc, admin, n):
    ids = []
    for i in range(n):
        response = svc.client.post(
            "/api/v1/customers", json={"name": f"Pool {i}", "in_pool": True}, headers=admin.headers
        )
        assert response.status_code == 201
        ids.append(response.json["id"])
    return ids


def test_a_rep_at_their_limit_cannot_exceed_it_by_claiming_in_parallel(pg):
    admin, rep = pg.user("admin"), pg.user()
    pg.client.put(
        "/api/v1/customers/ownership-limits",
        json={"user_id": str(rep.id), "max_owned": 2},
        headers=admin.headers,
    )
    pg.client.post("/api/v1/customers", json={"name": "Held"}, headers=rep.headers)
    targets = pooled(pg, admin, 6)

    def claim(cid):
        return lambda: pg.app.test_client().post(
            f"/api/v1/customers/{cid}/claim", headers=rep.headers
        )

    answers = parallel([claim(cid) for cid in targets])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * 5, statuses
    assert all(a.json["limit"]["name"] == "max_owned" for a in answers if a.status_code == 409)
    with pg.db.session() as session:
        owned = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.owner_id == rep.id)
        )
    assert owned == 2
    assert len(pg.events("customer.claimed")) == 1


def test_the_daily_claim_limit_holds_under_parallel_claims(pg):
    admin, rep = pg.user("admin"), pg.user()
    pools = pg.client.get("/api/v1/pools", headers=admin.headers).json["items"]
    pg.client.patch(
        f"/api/v1/pools/{pools[0]['id']}",
        json={"rules": {"daily_claim_limit": 3}},
        headers=admin.headers,
    )
    targets = pooled(pg, admin, 8)
    answers = parallel(
        [
            (
                lambda cid=cid: pg.app.test_client().post(
                    f"/api/v1/customers/{cid}/claim", headers=rep.headers
                )
            )
            for cid in targets
        ]
    )
    assert sorted(a.status_code for a in answers) == [200] * 3 + [409] * 5


def _stale_customers(svc, rep, n, days=40):
    ids = []
    for i in range(n):
        ids.append(
            svc.client.post(
                "/api/v1/customers", json={"name": f"Stale {i}"}, headers=rep.headers
            ).json["id"]
        )
    with svc.db.transaction() as session:
        session.execute(
            update(Customer)
            .where(Customer.id.in_([uuid.UUID(i) for i in ids]))
            .values(claimed_at=datetime.now(UTC) - timedelta(days=days))
        )
    return ids


def test_recycling_never_takes_a_customer_followed_up_at_the_same_moment(pg):
    rep = pg.user()
    ids = _stale_customers(pg, rep, 24)

    def follow(cid):
        return lambda: pg.app.test_client().post(
            f"/api/v1/customers/{cid}/followups",
            json={"kind": "call", "content": "still interested"},
            headers=rep.headers,
        )

    results = parallel([lambda: pg.run_job("recycle")] + [follow(cid) for cid in ids])
    report, answers = results[0], results[1:]
    assert {a.status_code for a in answers} <= {201, 409}
    with pg.db.session() as session:
        for cid, answer in zip(ids, answers, strict=True):
            customer = session.get(Customer, uuid.UUID(cid))
            logged = session.scalar(
                select(func.count())
                .select_from(FollowUp)
                .where(FollowUp.customer_id == customer.id)
            )
            if answer.status_code == 201:
                # The follow-up won: the customer stays with its owner.
                assert customer.owner_id == rep.id and logged == 1
            else:
                # Recycling won: the follow-up was refused and nothing of it kept.
                assert customer.owner_id is None and logged == 0
    recycled = {e["data"]["customer_id"] for e in pg.events("customer.recycled")}
    assert recycled == {cid for cid, a in zip(ids, answers, strict=True) if a.status_code == 409}
    assert len(report.recycled) == len(recycled)


def test_recycling_racing_claims_and_transfers_leaves_one_owner_each(pg):
    team = uuid.uuid4()
    admin = pg.user("admin")
    manager = pg.user("manager", team_id=team)
    rep, heir = pg.user(team_id=team), pg.user(team_id=team)
    claimers = [pg.user() for _ in range(4)]
    for user in (manager, rep, heir):
        pg.deliver(
            pg.event(
                "user.created",
                {
                    "user_id": str(user.id),
                    "username": user.username,
                    "roles": list(user.roles),
                    "team_id": str(team),
                    "active": True,
                },
            )
        )
    stale = _stale_customers(pg, rep, 12)
    transfer = stale[:6]

    def move(cid):
        return lambda: pg.app.test_client().post(
            f"/api/v1/customers/{cid}/assign",
            json={"owner_id": str(heir.id), "reason": "rep leaving"},
            headers=manager.headers,
        )

    def grab(user, cid):
        # Claimers try at once; they can only win a customer already recycled.
        return lambda: pg.app.test_client().post(
            f"/api/v1/customers/{cid}/claim", headers=user.headers
        )

    calls = [lambda: pg.run_job("recycle")]
    calls += [move(cid) for cid in transfer]
    calls += [grab(user, cid) for user in claimers for cid in stale[6:]]
    results = parallel(calls)
    moves = results[1 : 1 + len(transfer)]
    assert {m.status_code for m in moves} <= {200, 409}
    with pg.db.session() as session:
        for cid, moved in zip(transfer, moves, strict=True):
            customer = session.get(Customer, uuid.UUID(cid))
            if moved.status_code == 200:
                assert customer.owner_id == heir.id  # a fresh owner, not recycled after
            else:
                assert customer.owner_id is None
        for cid in stale[6:]:
            changes = session.scalars(
                select(OwnershipChange.action)
                .where(OwnershipChange.customer_id == uuid.UUID(cid))
                .order_by(OwnershipChange.at)
            ).all()
            # Created, recycled, then at most one claim: never claimed while owned.
            assert changes[:2] == ["created", "recycled"], changes
            assert changes.count("claimed") <= 1
    claimed = pg.events("customer.claimed")
    assert len(claimed) == len({e["data"]["customer_id"] for e in claimed})
    del admin
