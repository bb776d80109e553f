"""lead.qualified a batch at a time on PostgreSQL: one customer per lead, nothing lost."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from customers.models import Customer
from customers.service import SERVICE

pytestmark = pytest.mark.integration


def qualified(svc, owner, lead_id=None, **extra):
    data = {
        "lead_id": lead_id or str(uuid.uuid4()),
        "name": "王芳",
        "email": "wangfang@example.cn",
        "owner_id": str(owner.id),
        "qualified_at": "2026-12-01T09:00:00Z",
        **extra,
    }
    return svc.event("lead.qualified", data)


def customers_by_lead(svc) -> dict[str, int]:
    with svc.db.session() as session:
        rows = session.execute(select(Customer.lead_id, func.count()).group_by(Customer.lead_id))
        return {str(lead): count for lead, count in rows}


def test_a_bad_event_in_a_batch_neither_blocks_nor_loses_the_others(harness_factory, pg_database):
    svc = harness_factory(SERVICE, database_url=pg_database("customers"))
    rep = svc.user()
    good = [qualified(svc, rep, company="华为" if i % 2 else None) for i in range(40)]
    poison = qualified(svc, rep)
    poison.data["owner_id"] = "not-an-id"  # broken after its contract was checked
    outcomes = svc.deliver_many([*good[:20], poison, *good[20:]])
    assert isinstance(outcomes[20], ValueError)
    assert [o for i, o in enumerate(outcomes) if i != 20] == ["handled"] * 40
    made = customers_by_lead(svc)
    assert made == {e.data["lead_id"]: 1 for e in good}
    created = {e["data"]["lead_id"] for e in svc.events("customer.created")}
    assert created == set(made)
    # Redelivered (the poison queued again, the rest a broker's repeat): nothing doubles.
    again = svc.deliver_many([*good[:5], poison])
    assert again[:5] == ["skipped"] * 5 and isinstance(again[5], ValueError)
    assert customers_by_lead(svc) == made


def test_two_consumers_racing_on_the_same_leads_make_one_customer_each(
    harness_factory, pg_database
):
    svc = harness_factory(SERVICE, database_url=pg_database("customers"))
    rep = svc.user()
    leads = [str(uuid.uuid4()) for _ in range(30)]
    # The same facts under other event ids (a replay), handled by two consumers at once.
    batches = [[qualified(svc, rep, lead) for lead in leads] for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[list] = []

    def consume(batch) -> None:
        barrier.wait()
        outcomes.append(svc.deliver_many(batch))

    threads = [threading.Thread(target=consume, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [set(o) for o in outcomes] == [{"handled"}, {"handled"}]
    assert customers_by_lead(svc) == dict.fromkeys(leads, 1)
    assert len(svc.events("customer.created")) == len(leads)
