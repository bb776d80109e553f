"""The service desk on PostgreSQL and RabbitMQ: routing under concurrency holds the cap,
racing SLA jobs publish a breach once, and the events reach the real broker."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
from kombu import Consumer, Queue

from crm_shared.bus import connect
from service_desk.models import StatusChange, Ticket
from service_desk.service import SERVICE


def customer_owned_by(svc, visible, owner):
    customer_id = str(uuid.uuid4())
    visible.add(customer_id)
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": customer_id,
                "name": "深圳客户",
                "owner_id": str(owner.id),
                "team_id": None,
                "created_at": "2026-11-01T00:00:00Z",
            },
        )
    )
    return customer_id


def move(svc, user, ticket_id, status):
    response = svc.client.post(
        f"/api/v1/tickets/{ticket_id}/status", json={"status": status}, headers=user.headers
    )
    assert response.status_code == 200, response.json


pytestmark = pytest.mark.integration


@pytest.fixture
def pg_svc(harness_factory, pg_database, amqp_url, bus_namespace, visible):
    return harness_factory(
        SERVICE,
        database_url=pg_database("desk"),
        broker_url=amqp_url,
        namespace=bus_namespace,
        environ={"CRM_CUSTOMERS_URL": visible.url},
    )


def test_concurrent_routing_respects_the_cap_on_postgres(pg_svc, visible):
    svc = pg_svc
    admin = svc.user("admin")
    group = svc.client.post(
        "/api/v1/tickets/groups",
        json={"name": "华南", "strategy": "least_open", "cap_per_agent": 3},
        headers=admin.headers,
    ).json
    agents = [svc.user("service_agent") for _ in range(2)]
    for agent in agents:
        svc.client.put(
            f"/api/v1/tickets/groups/{group['id']}/agents/{agent.id}",
            json={},
            headers=admin.headers,
        )
    svc.client.post(
        "/api/v1/tickets/routing-rules", json={"group_id": group["id"]}, headers=admin.headers
    )
    customer_id = customer_owned_by(svc, visible, svc.user())
    results: list[dict] = []

    def open_one() -> None:
        client = svc.app.test_client()
        response = client.post(
            "/api/v1/tickets",
            json={"customer_id": customer_id, "subject": "并发"},
            headers=admin.headers,
        )
        results.append(response.json)

    threads = [threading.Thread(target=open_one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assignees = [r["assignee_id"] for r in results if "assignee_id" in r]
    assert len(assignees) == 10
    for agent in agents:
        assert assignees.count(str(agent.id)) == 3  # the cap held under concurrency
    assert assignees.count(None) == 4


def test_sla_breach_and_late_rating_reach_the_broker_once(pg_svc, visible, amqp_url):
    svc = pg_svc
    admin, agent = svc.user("admin"), svc.user("service_agent")
    svc.client.post(
        "/api/v1/sla-policies",
        json={"name": "any", "first_response_minutes": 30},
        headers=admin.headers,
    )
    owner = svc.user()
    customer_id = customer_owned_by(svc, visible, owner)
    ticket = svc.client.post(
        "/api/v1/tickets", json={"customer_id": customer_id, "subject": "慢"}, headers=agent.headers
    ).json
    with svc.db.session() as session:
        row = session.get(Ticket, uuid.UUID(ticket["id"]))
        row.opened_at -= timedelta(hours=1)
        for change in session.query(StatusChange).filter_by(ticket_id=row.id):
            change.at -= timedelta(hours=1)
        session.commit()
    # Two workers' jobs racing publish one breach.
    counts: list[int] = []
    runners = [
        threading.Thread(target=lambda: counts.append(svc.run_job("sla-clocks"))) for _ in range(2)
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sorted(counts) == [0, 1]
    assert len(svc.events("ticket.sla_breached")) == 1
    move(svc, agent, ticket["id"], "resolved")
    move(svc, agent, ticket["id"], "closed")
    [sent] = svc.events("ticket.survey_sent")
    token = sent["data"]["link"].rsplit("/", 1)[1]
    assert svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 2}).status_code == 200

    listener = Queue(
        f"{svc.settings.bus_namespace}.desk-listener",
        exchange=svc.worker.topology.events,
        routing_key="ticket.#",
        durable=False,
        auto_delete=True,
    )
    seen: list[str] = []
    with connect(amqp_url) as conn:
        svc.worker.topology.declare(conn, None, ())
        listener(conn.default_channel).declare()
        svc.worker.start()
        try:

            def on_message(message):
                seen.append(json.loads(message.body)["type"])
                message.ack()

            with Consumer(conn.default_channel, queues=[listener], on_message=on_message):
                deadline = time.monotonic() + 30
                while "ticket.rated" not in seen and time.monotonic() < deadline:
                    with contextlib.suppress(TimeoutError):
                        conn.drain_events(timeout=0.5)
        finally:
            svc.worker.stop()
    assert seen.count("ticket.sla_breached") == 1
    assert seen.count("ticket.rated") == 1
    assert "ticket.closed" in seen and "ticket.survey_sent" in seen
