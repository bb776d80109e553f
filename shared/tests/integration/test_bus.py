"""The outbox, the bus and the inbox working together, on both transports.

``memory`` runs on SQLite with kombu's in-memory transport (embedded mode);
``amqp`` on PostgreSQL and RabbitMQ (every other mode) and is marked
integration: under CI=true it must run.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
from kombu import Producer
from sqlalchemy import func, select

from crm_shared import outbox
from crm_shared.bus import Topology, connect
from crm_shared.dead_letters import queue_depth
from crm_shared.events import new_event
from crm_shared.inbox import handle_once
from crm_shared.outbox import OutboxRelay, pending_stats
from crm_shared.testing import TcpProxy
from crm_shared.worker import Worker

from ..conftest import PROBE, probe_items


@pytest.fixture(params=["memory", pytest.param("amqp", marks=pytest.mark.integration)])
def backend(request, tmp_path):
    """(database URL, broker URL, namespace) for one transport."""
    if request.param == "memory":
        return f"sqlite:///{tmp_path / 'probe.db'}", "memory://", f"m{uuid.uuid4().hex[:8]}"
    database = request.getfixturevalue("pg_database")("probe")
    return database, request.getfixturevalue("amqp_url"), request.getfixturevalue("bus_namespace")


def captured(name: str) -> dict:
    return {"lead_id": str(uuid.uuid4()), "name": name, "captured_at": "2026-11-20T10:00:00Z"}


def count_items(db) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(probe_items))


def wait_for(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def running(probe_db, probe_settings):
    workers = []

    def start(database_url, broker_url, namespace, **overrides):
        db = probe_db(database_url)
        worker = Worker(PROBE, probe_settings(database_url, broker_url, namespace, **overrides))
        worker.start()
        assert worker.consumer.ready.wait(10), "consumer did not connect"
        workers.append(worker)
        return db, worker

    yield start
    for worker in workers:
        worker.stop()


def test_events_flow_from_outbox_to_handler_once(backend, running):
    db, worker = running(*backend)
    with db.transaction() as session:
        for i in range(20):
            outbox.publish(session, "lead.captured", captured(f"lead {i}"))
    wait_for(lambda: count_items(db) == 20)
    assert pending_stats(db)["pending"] == 0
    # The same envelope delivered again (a relay that crashed before marking
    # it sent would do this) changes nothing.
    with db.engine.connect() as conn:
        envelope = conn.execute(select(outbox.outbox.c.envelope).limit(1)).scalar()
    with connect(backend[1]) as conn:
        Producer(conn.default_channel, exchange=worker.topology.events).publish(
            json.dumps(envelope), routing_key=envelope["type"], declare=[worker.topology.events]
        )
    wait_for(lambda: worker.consumer.stats["skipped"] == 1)
    assert count_items(db) == 20
    assert worker.consumer.stats["handled"] == 20


def test_poison_message_is_dead_lettered_and_the_rest_keep_flowing(backend, running):
    db, _worker = running(*backend, delivery_limit=2)
    with db.transaction() as session:
        outbox.publish(session, "lead.captured", captured("poison"))
        for i in range(5):
            outbox.publish(session, "lead.captured", captured(f"good {i}"))
    wait_for(lambda: count_items(db) == 5)
    topology = Topology(backend[2], 2)

    def dead_lettered():
        depths = queue_depth(backend[1], topology, "probe")
        return (
            depths[topology.name("probe.dead")] == 1 and depths[topology.name("probe.events")] == 0
        )

    wait_for(dead_lettered)
    assert count_items(db) == 5


@pytest.mark.integration
def test_relay_resumes_after_the_broker_comes_back(pg_database, amqp_url, bus_namespace, running):
    broker = urlsplit(amqp_url)
    proxy = TcpProxy(broker.hostname, broker.port or 5672)
    try:
        via_proxy = amqp_url.replace(
            f"{broker.hostname}:{broker.port or 5672}", f"127.0.0.1:{proxy.port}"
        )
        db, worker = running(pg_database("probe"), via_proxy, bus_namespace)
        proxy.down()
        with db.transaction() as session:
            for i in range(30):
                outbox.publish(session, "lead.captured", captured(f"while down {i}"))
        # The relay has tried (and failed) since the events were written.
        tried = worker.relay.failures
        wait_for(lambda: worker.relay.failures >= tried + 2)
        assert pending_stats(db)["pending"] == 30, "nothing can be sent while the broker is away"
        assert count_items(db) == 0
        proxy.up()
        wait_for(lambda: count_items(db) == 30, timeout=40)
        assert pending_stats(db)["pending"] == 0
    finally:
        proxy.close()


def test_relay_keeps_what_it_could_not_send(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'relay.db'}")
    with db.transaction() as session:
        for i in range(5):
            outbox.publish(session, "lead.captured", captured(f"r{i}"))
    sent: list[str] = []

    def flaky(envelope):
        if len(sent) == 2:
            raise ConnectionError("broker went away")
        sent.append(envelope["id"])

    relay = OutboxRelay(db, flaky)
    with pytest.raises(ConnectionError):
        relay.run_once()
    assert pending_stats(db)["pending"] == 3
    relay.send = lambda envelope: sent.append(envelope["id"])
    assert relay.run_once() == 3
    assert pending_stats(db)["pending"] == 0
    assert len(sent) == len(set(sent)) == 5, "confirmed rows are not sent again"


@pytest.mark.integration
def test_concurrent_deliveries_of_one_event_apply_once(pg_database, probe_db):
    db = probe_db(pg_database("probe"))
    event = new_event("lead.captured", captured("twice"), source="test")
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def slow_handler(session, evt):
        time.sleep(0.2)  # hold the transaction so the others pile up behind it
        session.execute(probe_items.insert().values(id=uuid.uuid4(), name=evt.data["name"]))

    def deliver():
        barrier.wait()
        results.append(handle_once(db, event, slow_handler))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert count_items(db) == 1


def test_a_partly_confirmed_batch_marks_only_its_confirmed_prefix(tmp_path, probe_db):
    from crm_shared.bus import PublishFailed

    db = probe_db(f"sqlite:///{tmp_path / 'batch.db'}")
    with db.transaction() as session:
        for i in range(5):
            outbox.publish(session, "lead.captured", captured(f"b{i}"))
    batches: list[int] = []

    def half(envelopes):
        batches.append(len(envelopes))
        raise PublishFailed(2, "broker went away")

    relay = OutboxRelay(db, lambda e: None, send_many=half)
    with pytest.raises(PublishFailed):
        relay.run_once()
    assert batches == [5]
    assert pending_stats(db)["pending"] == 3


@pytest.mark.integration
def test_a_queue_declared_by_an_earlier_release_is_kept_and_consumed(
    pg_database, amqp_url, bus_namespace, running
):
    # Queue arguments cannot change once the queue exists: the worker keeps it.
    with connect(amqp_url) as connection:
        Topology(bus_namespace, 5, guard_limit=5).declare(connection, "probe", ["lead.captured"])
    db, worker = running(pg_database("probe"), amqp_url, bus_namespace)
    with db.transaction() as session:
        outbox.publish(session, "lead.captured", captured("after an upgrade"))
    wait_for(lambda: count_items(db) == 1)
    assert worker.consumer.stats["handled"] == 1
