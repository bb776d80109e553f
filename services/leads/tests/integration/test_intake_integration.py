"""Lead intake on PostgreSQL and RabbitMQ: nothing answered 201 is ever lost."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from urllib.parse import urlsplit

import pytest
from kombu import Consumer, Queue

from crm_shared.bus import connect
from crm_shared.outbox import pending_stats
from crm_shared.testing import TcpProxy
from leads.service import SERVICE

pytestmark = pytest.mark.integration


def test_leads_captured_while_the_broker_is_down_all_arrive_once_it_is_back(
    harness_factory, pg_database, amqp_url, bus_namespace
):
    broker = urlsplit(amqp_url)
    proxy = TcpProxy(broker.hostname, broker.port or 5672)
    via_proxy = amqp_url.replace(
        f"{broker.hostname}:{broker.port or 5672}", f"127.0.0.1:{proxy.port}"
    )
    svc = harness_factory(
        SERVICE, database_url=pg_database("leads"), broker_url=via_proxy, namespace=bus_namespace
    )
    # A downstream team listening for new leads, straight on the real broker.
    listener = Queue(
        f"{bus_namespace}.listener",
        exchange=svc.worker.topology.events,
        routing_key="lead.captured",
        durable=False,
        auto_delete=True,
    )
    received: set[str] = set()
    # The positive signal that the relay tried the dead broker with the leads
    # pending (rather than not having run yet): its failed publish attempts.
    relay = svc.worker.relay
    assert relay is not None and relay.send_many is not None
    publish = relay.send_many
    failed_attempts: list[int] = []
    tried_with_all_pending = threading.Event()

    def observed_publish(envelopes):
        try:
            return publish(envelopes)
        except Exception:
            failed_attempts.append(len(envelopes))
            if len(envelopes) == 25:
                tried_with_all_pending.set()
            raise

    relay.send_many = observed_publish
    with connect(amqp_url) as conn:
        svc.worker.topology.declare(conn, None, ())
        listener(conn.default_channel).declare()
        proxy.down()
        svc.worker.start()
        try:
            rep = svc.user()
            ids = []
            for i in range(25):
                response = svc.client.post(
                    "/api/v1/leads", json={"name": f"Lead {i}"}, headers=rep.headers
                )
                assert response.status_code == 201
                ids.append(response.json["id"])
            # Bounded wait for the signal, never a fixed sleep: the relay failed
            # on a batch holding all 25, and nothing left the outbox meanwhile.
            assert tried_with_all_pending.wait(timeout=60), failed_attempts
            assert pending_stats(svc.db)["pending"] == 25

            proxy.up()

            def on_message(message):
                received.add(json.loads(message.body)["data"]["lead_id"])
                message.ack()

            with Consumer(conn.default_channel, queues=[listener], on_message=on_message):
                deadline = time.monotonic() + 30
                while len(received) < 25 and time.monotonic() < deadline:
                    with contextlib.suppress(TimeoutError):
                        conn.drain_events(timeout=0.5)
        finally:
            svc.worker.stop()
            proxy.close()
    assert received == set(ids)
    assert pending_stats(svc.db)["pending"] == 0
