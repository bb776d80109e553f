"""Only handler failures spend an event's attempts, proven with real worker processes.

A worker killed again and again while PostgreSQL is away returns its
prefetched messages each time; none of them may end in the dead-letter
queue. An event whose handler really fails is dead-lettered after
``CRM_DELIVERY_LIMIT`` failures, and the worker shows it in ``/metrics``
and ``/readyz``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from crm_shared.bus import Publisher, Topology, connect
from crm_shared.dead_letters import dead_letter_count
from crm_shared.events import new_event
from crm_shared.testing import TcpProxy, free_port

from .test_bus import captured, count_items, wait_for

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[1] / "probe_worker.py"
LIMIT = 2  # handler failures before an event is dead-lettered


class WorkerProcess:
    """The probe worker as a real process, with its health port."""

    def __init__(self, database_url: str, broker_url: str, namespace: str) -> None:
        self.port = free_port()
        env = dict(os.environ)
        env.update(
            CRM_PROBE_DATABASE_URL=database_url,
            CRM_BROKER_URL=broker_url,
            CRM_BUS_NAMESPACE=namespace,
            CRM_DELIVERY_LIMIT=str(LIMIT),
            CRM_PROBE_WORKER_HEALTH_PORT=str(self.port),
            CRM_LOG_LEVEL="ERROR",
        )
        self.process = subprocess.Popen([sys.executable, str(SCRIPT)], env=env)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def readiness(self) -> dict:
        try:
            return json.loads(self.get("/readyz")[1])["checks"]
        except OSError:
            return {}

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers():
    started: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        worker = WorkerProcess(*args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def publish(amqp_url: str, namespace: str, names: list[str]) -> None:
    topology = Topology(namespace, LIMIT)
    with connect(amqp_url) as connection:
        topology.declare(connection, "probe", ["lead.captured"])
    publisher = Publisher(amqp_url, topology)
    try:
        for name in names:
            publisher.send(new_event("lead.captured", captured(name), source="test").to_envelope())
    finally:
        publisher.close()


def test_a_restart_loop_during_a_database_outage_dead_letters_nothing(
    pg_database, probe_db, amqp_url, bus_namespace, workers
):
    url = make_url(pg_database("probe"))
    db = probe_db(url.render_as_string(hide_password=False))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        publish(amqp_url, bus_namespace, [f"healthy {i}" for i in range(40)])
        proxy.down()
        for _restart in range(2 * LIMIT + 2):
            worker = workers(via_proxy, amqp_url, bus_namespace)
            # Killed while it holds a batch it cannot write: every prefetched
            # message goes back to the queue, counted by the broker as a delivery.
            wait_for(lambda w=worker: w.readiness().get("consumer", {}).get("held", 0) >= 1)
            worker.kill()
        proxy.up()
        worker = workers(via_proxy, amqp_url, bus_namespace)
        wait_for(lambda: count_items(db) == 40, timeout=60)
        topology = Topology(bus_namespace, LIMIT)
        assert dead_letter_count(amqp_url, topology, "probe") == 0
        assert worker.readiness()["consumer"]["handled"] == 40
    finally:
        proxy.close()


def test_a_failing_handler_is_dead_lettered_after_its_failures_and_shows_in_metrics(
    pg_database, probe_db, amqp_url, bus_namespace, workers
):
    url = pg_database("probe")
    db = probe_db(url)
    worker = workers(url, amqp_url, bus_namespace)
    wait_for(lambda: worker.readiness().get("broker") == "ok")
    publish(amqp_url, bus_namespace, ["poison"] + [f"good {i}" for i in range(5)])
    wait_for(lambda: count_items(db) == 5)
    wait_for(lambda: b'crm_dead_letter_messages{service="probe"} 1.0' in worker.get("/metrics")[1])
    status, text = worker.get("/metrics")
    assert status == 200
    assert b'crm_consumer_events_total{outcome="dead_lettered",service="probe"} 1.0' in text
    assert f'outcome="retried",service="probe"}} {LIMIT - 1}.0'.encode() in text
    assert worker.readiness()["dead_letters"] == 1

    topology = Topology(bus_namespace, LIMIT)
    with connect(amqp_url) as connection:
        message = topology.dead_queue("probe")(connection.default_channel).get(no_ack=True)
    assert message is not None
    assert json.loads(message.body)["data"]["name"] == "poison"
    assert message.headers["x-crm-failures"] == LIMIT
    assert "RuntimeError" in message.headers["x-crm-dead-reason"]
