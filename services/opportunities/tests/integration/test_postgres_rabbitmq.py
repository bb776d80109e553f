"""Opportunities on PostgreSQL and RabbitMQ: racing moves and wins, events both ways."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from kombu import Consumer, Queue
from sqlalchemy import select

from crm_shared.bus import Publisher, connect
from opportunities.models import Opportunity, StageHistory
from opportunities.service import SERVICE

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(harness_factory, pg_database, customers):
    return harness_factory(
        SERVICE,
        database_url=pg_database("opportunities"),
        environ={"CRM_CUSTOMERS_URL": customers[1]},
    )


def _parallel(n, fn):
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _open(svc, rep, customer):
    body = {"customer_id": customer, "name": "大单", "amount": "50000.00", "currency": "CNY"}
    deal = svc.client.post("/api/v1/opportunities", json=body, headers=rep.headers).json
    svc.client.patch(
        f"/api/v1/opportunities/{deal['id']}",
        json={
            "expected_close_date": "2027-03-31",
            "contacts": [
                {"contact_id": str(uuid.uuid4()), "name": "李总", "role": "decision_maker"}
            ],
        },
        headers=rep.headers,
    )
    return deal


def test_concurrent_stage_moves_serialise_and_history_stays_a_chain(pg, customers):
    rep = pg.user()
    deal = _open(pg, rep, customers[0]["id"])
    [pipeline] = pg.client.get("/api/v1/pipelines", headers=rep.headers).json["items"]
    targets = [s["id"] for s in pipeline["stages"] if s["kind"] == "open"][1:]  # not the current

    def move(i):
        return (
            pg.app.test_client()
            .post(
                f"/api/v1/opportunities/{deal['id']}/stage",
                json={"stage_id": targets[i % len(targets)]},
                headers=rep.headers,
            )
            .status_code
        )

    statuses = _parallel(6, move)
    assert set(statuses) == {200}
    with pg.db.session() as session:
        rows = list(
            session.scalars(
                select(StageHistory)
                .where(StageHistory.opportunity_id == uuid.UUID(deal["id"]))
                .order_by(StageHistory.entered_at, StageHistory.id)
            )
        )
        current = session.get(Opportunity, uuid.UUID(deal["id"]))
        assert current is not None
        assert [r.left_at is None for r in rows].count(True) == 1
        assert rows[-1].left_at is None and rows[-1].to_stage_id == current.stage_id
        for before, after in itertools.pairwise(rows):
            assert after.from_stage_id == before.to_stage_id
            assert before.left_at == after.entered_at
    events = pg.events("opportunity.stage_changed")
    assert len(events) == len(rows) - 1


def test_concurrent_wins_publish_one_deal_won(pg, customers):
    rep = pg.user()
    deal = _open(pg, rep, customers[0]["id"])

    def win(_i):
        client = pg.app.test_client()
        return client.post(
            f"/api/v1/opportunities/{deal['id']}/win", headers=rep.headers
        ).status_code

    statuses = _parallel(5, win)
    assert sorted(statuses) == [200, 409, 409, 409, 409]
    assert len(pg.events("deal.won")) == 1


def test_quote_accepted_over_rabbitmq_sets_the_amount_and_stage_changes_go_out(
    harness_factory, pg_database, amqp_url, bus_namespace, customers
):
    svc = harness_factory(
        SERVICE,
        database_url=pg_database("opportunities"),
        broker_url=amqp_url,
        namespace=bus_namespace,
        environ={"CRM_CUSTOMERS_URL": customers[1]},
    )
    listener = Queue(
        f"{bus_namespace}.listener",
        exchange=svc.worker.topology.events,
        routing_key="opportunity.stage_changed",
        durable=False,
        auto_delete=True,
    )
    rep = svc.user()
    deal = _open(svc, rep, customers[0]["id"])
    received: list[dict] = []
    with connect(amqp_url) as conn:
        # The service's own queue exists before anything is published to it.
        svc.worker.topology.declare(conn, SERVICE.name, SERVICE.handlers())
        listener(conn.default_channel).declare()
        svc.worker.start()
        publisher = Publisher(amqp_url, svc.worker.topology)
        try:
            quote = svc.event(
                "quote.accepted",
                {
                    "quote_id": str(uuid.uuid4()),
                    "opportunity_id": deal["id"],
                    "customer_id": deal["customer_id"],
                    "owner_id": str(rep.id),
                    "currency": "CNY",
                    "amount": "61000.00",
                    "lines": [{"name": "年度许可", "quantity": "1", "unit_price": "61000.00"}],
                    "accepted_at": "2026-12-02T08:00:00Z",
                },
            )
            publisher.send(quote.to_envelope())
            url = f"/api/v1/opportunities/{deal['id']}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if svc.client.get(url, headers=rep.headers).json["amount"] == "61000.00":
                    break
                time.sleep(0.2)
            after = svc.client.get(url, headers=rep.headers).json
            assert after["amount"] == "61000.00"
            assert [line["name"] for line in after["lines"]] == ["年度许可"]

            [pipeline] = svc.client.get("/api/v1/pipelines", headers=rep.headers).json["items"]
            proposal = next(s for s in pipeline["stages"] if s["name"] == "proposal")
            moved = svc.client.post(
                url + "/stage", json={"stage_id": proposal["id"]}, headers=rep.headers
            )
            assert moved.status_code == 200

            def on_message(message):
                received.append(json.loads(message.body))
                message.ack()

            with Consumer(conn.default_channel, queues=[listener], on_message=on_message):
                deadline = time.monotonic() + 30
                while not received and time.monotonic() < deadline:
                    with contextlib.suppress(TimeoutError):
                        conn.drain_events(timeout=0.5)
        finally:
            publisher.close()
            svc.worker.stop()
    [event] = received
    assert event["data"]["to_stage"] == "proposal"
    assert event["data"]["amount"] == "61000.00"
