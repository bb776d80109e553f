"""A captured lead is its own outbox entry: its event is derived once, and never lost.

On PostgreSQL a single capture writes only the lead row; the relay derives
the ``captured`` activity and the ``lead.captured`` event from it
(``leads.capture_events``). These tests hold that design to its promise:
the derived event keeps the contract, each lead gets exactly one, in order
before the lead's other events, and a relay process killed mid-batch loses
nothing and duplicates nothing a consumer's inbox would not drop.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from kombu import Consumer, Queue
from sqlalchemy import func, select, text

from crm_shared.bus import connect
from crm_shared.events import Event, validate_data
from crm_shared.inbox import handle_once
from crm_shared.tables import outbox
from leads.capture_events import derive_pending, event_id_of
from leads.models import Lead, LeadActivity
from leads.service import SERVICE

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(harness_factory, pg_database):
    return harness_factory(SERVICE, database_url=pg_database("leads"))


def _outbox_count(svc, event_type="lead.captured") -> int:
    with svc.db.engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.event_type == event_type)
        ).scalar_one()


def test_a_capture_writes_the_row_and_the_relay_derives_one_valid_event(pg):
    rep = pg.user()
    response = pg.client.post(
        "/api/v1/leads",
        json={"name": "Ada Lovelace", "email": "Ada@Example.com", "company": "Engines"},
        headers=rep.headers,
    )
    assert response.status_code == 201, response.json
    lead_id = uuid.UUID(response.json["id"])
    with pg.db.session() as session:
        assert session.get(Lead, lead_id).capture_pending is True
    assert _outbox_count(pg) == 0  # nothing but the row in the request

    assert derive_pending(pg.db) == 1
    assert derive_pending(pg.db) == 0  # derived once: the flag is cleared with it
    [envelope] = pg.events("lead.captured")
    event = Event.from_envelope(envelope)
    validate_data(event.type, event.version, event.data)
    assert event.id == str(event_id_of(lead_id))
    assert event.subject == str(lead_id) and event.source == "crm/leads"
    assert event.data["lead_id"] == str(lead_id)
    assert event.data["email"] == "ada@example.com"
    assert event.data["company"] == "Engines"
    assert event.data["channel"] == "api"
    assert event.data["owner_id"] == str(rep.id)
    history = pg.client.get(f"/api/v1/leads/{lead_id}/activities", headers=rep.headers).json
    captured = [a for a in history["items"] if a["kind"] == "captured"]
    assert len(captured) == 1
    assert captured[0]["details"] == {"channel": "api"}


def test_concurrent_relays_derive_each_lead_exactly_once(pg):
    rep = pg.user()
    ids = []
    for i in range(120):
        response = pg.client.post(
            "/api/v1/leads",
            json={"name": f"Racer {i}", "email": f"racer-{i}@example.com"},
            headers=rep.headers,
        )
        assert response.status_code == 201
        ids.append(response.json["id"])
    barrier = threading.Barrier(4)

    def relay(_):
        barrier.wait()
        return derive_pending(pg.db, limit=7)

    with ThreadPoolExecutor(4) as pool:
        derived = sum(pool.map(relay, range(4)))
    assert derived == 120
    events = pg.events("lead.captured")
    assert sorted(e["data"]["lead_id"] for e in events) == sorted(ids)
    with pg.db.session() as session:
        activities = session.scalar(select(func.count()).where(LeadActivity.kind == "captured"))
    assert activities == 120


def test_a_leads_captured_event_precedes_its_qualified_event(pg):
    rep = pg.user()
    lead = pg.client.post("/api/v1/leads", json={"name": "Quick"}, headers=rep.headers).json
    # Qualified before any relay ran: the qualification derives lead.captured first.
    answer = pg.client.post(f"/api/v1/leads/{lead['id']}/qualify", headers=rep.headers)
    assert answer.status_code == 200, answer.json
    with pg.db.engine.connect() as conn:
        types = [row[0] for row in conn.execute(select(outbox.c.event_type).order_by(outbox.c.seq))]
    assert types == ["lead.captured", "lead.qualified"]
    assert derive_pending(pg.db) == 0


def _relay_process(env):
    return subprocess.Popen(
        [sys.executable, "-m", "leads", "worker", "--roles", "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_a_relay_killed_mid_batch_loses_no_event_and_duplicates_none(
    harness_factory, pg_database, amqp_url, bus_namespace
):
    database = pg_database("leads")
    svc = harness_factory(
        SERVICE, database_url=database, broker_url=amqp_url, namespace=bus_namespace
    )
    env = {
        **os.environ,
        "CRM_LEADS_DATABASE_URL": database,
        "CRM_BROKER_URL": amqp_url,
        "CRM_BUS_NAMESPACE": bus_namespace,
        "CRM_JWKS_URL": "file:///dev/null",
        "CRM_LOG_LEVEL": "WARNING",
        # Large batches: a kill on the first delivery lands while the batch is
        # published and not yet marked sent.
        "CRM_RELAY_BATCH_SIZE": "1000",
    }
    rep = svc.user()
    ids = set()
    for i in range(3000):
        response = svc.client.post(
            "/api/v1/leads", json={"name": f"Peak {i}", "email": f"peak-{i}@example.com"},
            headers=rep.headers,
        )  # fmt: skip
        assert response.status_code == 201
        ids.add(response.json["id"])
    deliveries: list[tuple[str, str]] = []  # (lead id, event id), every delivery
    first = threading.Event()
    stop = threading.Event()
    listener = Queue(
        f"{bus_namespace}.downstream",
        exchange=svc.worker.topology.events,
        routing_key="lead.captured",
        durable=False,
        auto_delete=False,
    )

    def listen():
        with connect(amqp_url) as conn:

            def on_message(message):
                body = json.loads(message.body)
                deliveries.append((body["data"]["lead_id"], body["id"]))
                first.set()
                message.ack()

            with Consumer(conn.default_channel, queues=[listener], on_message=on_message):
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        conn.drain_events(timeout=0.2)

    with connect(amqp_url) as conn:
        svc.worker.topology.declare(conn, None, ())
        listener(conn.default_channel).declare()
    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    relay = _relay_process(env)
    try:
        assert first.wait(timeout=60), "the relay published nothing"
        os.killpg(relay.pid, signal.SIGKILL)  # mid-batch: no chance to mark it sent
        relay.wait(timeout=10)
        time.sleep(0.5)  # what the broker had confirmed is delivered meanwhile
        with svc.db.engine.connect() as conn:
            unmarked = set(
                conn.execute(
                    text(
                        "SELECT envelope->'data'->>'lead_id' FROM outbox WHERE published_at IS NULL"
                    )
                ).scalars()
            )
        delivered_before = {lead for lead, _ in deliveries}
        # The kill landed mid-batch: leads delivered downstream whose rows the
        # relay never marked sent; they go out again after the restart.
        assert delivered_before & unmarked, "the kill did not land mid-batch"
        assert delivered_before < ids

        relay = _relay_process(env)
        deadline = time.monotonic() + 120
        while {lead for lead, _ in deliveries} != ids and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(relay.pid, signal.SIGTERM)
        relay.wait(timeout=15)
        thread.join(timeout=10)
        with connect(amqp_url) as conn:
            listener(conn.default_channel).delete()
    # Every 201'd lead's event arrived ...
    assert {lead for lead, _ in deliveries} == ids
    # ... some twice (the republished batch), always as the same event ...
    event_ids: dict[str, set[str]] = {}
    for lead, event_id in deliveries:
        event_ids.setdefault(lead, set()).add(event_id)
    assert len(deliveries) > len(ids)
    assert all(len(seen) == 1 for seen in event_ids.values())
    # ... so a consumer's inbox handles each lead's event exactly once.
    handled: list[str] = []
    now = datetime.now(UTC)
    for lead, event_id in deliveries:
        event = Event(
            id=event_id, type="lead.captured", source="crm/leads", time=now, data={"lead_id": lead}
        )
        handle_once(svc.db, event, lambda _s, e: handled.append(e.data["lead_id"]))
    assert sorted(handled) == sorted(ids)
    with svc.db.engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        ).scalar_one()
    assert pending == 0
