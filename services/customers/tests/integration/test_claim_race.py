"""Claims racing for one pool customer on PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading
import uuid

import pytest

from customers.service import SERVICE

pytestmark = pytest.mark.integration


def test_simultaneous_claims_have_exactly_one_winner(harness_factory, pg_database):
    svc = harness_factory(SERVICE, database_url=pg_database("customers"))
    owner = svc.user()
    svc.deliver(
        svc.event(
            "lead.qualified",
            {
                "lead_id": str(uuid.uuid4()),
                "name": "Contested",
                "owner_id": str(owner.id),
                "qualified_at": "2026-11-20T00:00:00Z",
            },
        )
    )
    customer = svc.client.get("/api/v1/customers", headers=owner.headers).json["items"][0]
    url = f"/api/v1/customers/{customer['id']}"
    assert svc.client.post(url + "/release", headers=owner.headers).status_code == 200

    reps = [svc.user() for _ in range(8)]
    barrier = threading.Barrier(len(reps))
    answers: dict[str, int] = {}

    def claim(rep):
        client = svc.app.test_client()
        barrier.wait()
        answers[str(rep.id)] = client.post(url + "/claim", headers=rep.headers).status_code

    threads = [threading.Thread(target=claim, args=(rep,)) for rep in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Exactly one wins. A loser that saw it in the pool is told it was just
    # claimed (409); one that looks after the win finds it out of their scope
    # (404, which confirms nothing about another rep's customer).
    statuses = sorted(answers.values())
    assert statuses[0] == 200 and statuses[1] != 200
    assert set(statuses[1:]) <= {404, 409}
    winner = next(rep for rep, status in answers.items() if status == 200)
    assert svc.client.get(url, headers=svc.user("admin").headers).json["owner_id"] == winner
    assert [e["data"]["owner_id"] for e in svc.events("customer.claimed")] == [winner]
