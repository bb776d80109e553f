"""Consumer throughput: events/s one worker's consumer settles on PostgreSQL and RabbitMQ.

Publishes ``BENCH_EVENTS`` (default 5,000) ``lead.qualified`` events to a
throwaway bus namespace, then starts the customers service's consumer (the
real handler: each event makes a customer, its history row and its outbox
event, through the inbox) on a throwaway database and times it until every
event is handled. It is measured three ways: the handler's batch form (what
the worker runs: a few statements per batch), the same handler one event at
a time inside the batch's transaction (as before the batch form), and the
platform's path alone (inbox, commit, acknowledgement; no handler). The
target is 500 events/s per consumer process (issue 13 item 17). The bare
reference, measured in the same run: raw kombu consuming and acknowledging
the same number of messages of the same size, with the same prefetch, doing
nothing else.

Figures are printed, never asserted. Environment: CRM_BENCH_DATABASE_URL,
CRM_BENCH_BROKER_URL, BENCH_EVENTS. Run it with ``python -P`` (as ``make
bench`` does) so ``bench/orders.py`` does not hide the orders package.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from kombu import Consumer, Producer, Queue
from sqlalchemy.engine import make_url

from crm_shared.bus import Publisher, Topology, connect
from crm_shared.config import Settings
from crm_shared.db import drop_database, ensure_database
from crm_shared.events import new_event
from crm_shared.migrations import upgrade
from crm_shared.service import discover
from crm_shared.testing import delete_namespace
from crm_shared.worker import Worker

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("CRM_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
EVENTS = int(os.environ.get("BENCH_EVENTS", "5000"))


def qualified_events(count: int) -> list[dict]:
    """``count`` distinct qualified leads, as the leads service publishes them."""
    owner = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    return [
        new_event(
            "lead.qualified",
            {
                "lead_id": str(uuid.uuid4()),
                "name": f"张伟 {i}",
                "email": f"lead{i}@example.cn",
                "phone": "+86 138 0013 8000",
                "company": None,
                "source": "bench",
                "owner_id": owner,
                "qualified_at": now,
            },
            source="leads",
        ).to_envelope()
        for i in range(count)
    ]


def publish(topology: Topology, envelopes: list[dict]) -> None:
    publisher = Publisher(AMQP, topology)
    try:
        for start in range(0, len(envelopes), 500):
            publisher.send_many(envelopes[start : start + 500])
    finally:
        publisher.close()


TARGET = 500.0


def measure_consumer(
    namespace: str, database_url: str, envelopes: list[dict], *, handler: str = "batched"
) -> float:
    """Events/s of the customers consumer; ``handler``: batched, one_by_one or nothing."""
    spec = discover()["customers"]
    if handler == "nothing":
        # The platform's own path alone: inbox, batch commit, acknowledgements.
        spec = dataclasses.replace(spec, handlers=lambda: {"lead.qualified": _nothing})
    elif handler == "one_by_one":
        # The same handler without its batch form: a few round trips per event.
        single = spec.handlers()["lead.qualified"]
        spec = dataclasses.replace(
            spec, handlers=lambda: {"lead.qualified": lambda s, e: single(s, e)}
        )
    settings = Settings(
        service="customers",
        database_url=database_url,
        broker_url=AMQP,
        jwks_url="file:///dev/null",
        jwt_issuer="crm-gateway",
        jwt_audience="crm",
        bus_namespace=namespace,
        log_level="WARNING",
    )
    topology = Topology.for_settings(settings)
    with connect(AMQP) as connection:
        topology.declare(connection, "customers", spec.handlers().keys())
    publish(topology, envelopes)
    worker = Worker(spec, settings, roles=["consumer"])
    assert worker.consumer is not None
    started = time.perf_counter()
    worker.start()
    try:
        while worker.consumer.stats["handled"] + worker.consumer.stats["skipped"] < len(envelopes):
            if worker.consumer.stats["retried"] or worker.consumer.stats["dead_lettered"]:
                raise RuntimeError(f"handler failures: {dict(worker.consumer.stats)}")
            time.sleep(0.01)
        return len(envelopes) / (time.perf_counter() - started)
    finally:
        worker.stop()


def _nothing(_session: Any, _event: Any) -> None:
    return None


def measure_reference(namespace: str, envelopes: list[dict], prefetch: int) -> float:
    queue = Queue(
        f"{namespace}.reference", durable=True, queue_arguments={"x-queue-type": "quorum"}
    )
    with connect(AMQP) as connection:
        queue(connection.default_channel).declare()
    with connect(AMQP) as connection:
        producer = Producer(connection.default_channel)
        for envelope in envelopes:
            producer.publish(json.dumps(envelope), routing_key=queue.name, delivery_mode=2)
    seen = 0
    done = threading.Event()

    def on_message(message) -> None:
        nonlocal seen
        message.ack()
        seen += 1
        if seen >= len(envelopes):
            done.set()

    with connect(AMQP, heartbeat=0) as connection:
        started = time.perf_counter()
        with Consumer(
            connection.default_channel,
            queues=[queue],
            on_message=on_message,
            prefetch_count=prefetch,
            auto_declare=False,
        ):
            while not done.is_set():
                connection.drain_events(timeout=5)
        rate = len(envelopes) / (time.perf_counter() - started)
        connection.default_channel.queue_delete(queue.name)
    return rate


def main() -> None:
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    database_url = (
        make_url(PG)
        .set(database=f"crm_bench_consumer_{uuid.uuid4().hex[:8]}")
        .render_as_string(hide_password=False)
    )
    ensure_database(database_url)
    try:
        upgrade(discover()["customers"], database_url)
        envelopes = qualified_events(EVENTS)
        reference = measure_reference(namespace, envelopes, Settings.prefetch)
        rates = {
            kind: measure_consumer(
                f"{namespace}-{kind}", database_url, qualified_events(EVENTS), handler=kind
            )
            for kind in ("batched", "one_by_one", "nothing")
        }
        batched = rates["batched"]
        verdict = "meets" if batched >= TARGET else "BELOW"
        print(
            f"consumer, lead.qualified, batch form:     {batched:8.0f} events/s"
            f"  (target >= {TARGET:.0f}: {verdict})"
        )
        print(f"consumer, lead.qualified, one by one:     {rates['one_by_one']:8.0f} events/s")
        print(f"consumer, inbox + commit + ack only:      {rates['nothing']:8.0f} events/s")
        print(f"bare reference (kombu consume + ack):     {reference:8.0f} events/s")
        print(f"batch form / reference: {batched / reference:.0%}")
    finally:
        for kind in ("batched", "one_by_one", "nothing"):
            delete_namespace(AMQP, f"{namespace}-{kind}", ["customers"])
        delete_namespace(AMQP, namespace, ["customers"])
        drop_database(database_url)


if __name__ == "__main__":
    main()
