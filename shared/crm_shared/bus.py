"""The event bus on kombu: topology, confirmed publishing and consuming.

Topology (names take an optional namespace prefix so tests and tenants can
share one broker):

- ``crm.events``: durable topic exchange, routing key = event type;
- ``<service>.events``: one durable quorum queue per consuming service, bound
  to the types it handles, with a delivery limit and dead-lettering to
- ``crm.dead``: direct exchange feeding ``<service>.dead``.

The same code runs on RabbitMQ (``amqp://``) and on kombu's in-memory
transport (``memory://``, embedded mode), which has no delivery counting or
dead-lettering of its own; the consumer supplies both there.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue, binding
from kombu.message import Message
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.exc import DBAPIError, OperationalError

from . import telemetry
from .events import CONTENT_TYPE, Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topology:
    """Names and shapes of the exchanges and queues."""

    namespace: str = ""
    delivery_limit: int = 5

    def name(self, base: str) -> str:
        """Prefix ``base`` with the namespace, if any."""
        return f"{self.namespace}.{base}" if self.namespace else base

    @property
    def events(self) -> Exchange:
        """The topic exchange every event is published to."""
        return Exchange(self.name("crm.events"), type="topic", durable=True)

    @property
    def dead(self) -> Exchange:
        """The exchange failed deliveries are dead-lettered to."""
        return Exchange(self.name("crm.dead"), type="direct", durable=True)

    def queue(self, service: str, event_types: Iterable[str]) -> Queue:
        """The service's work queue, bound to the event types it handles."""
        events = self.events
        return Queue(
            self.name(f"{service}.events"),
            exchange=events,
            bindings=[binding(events, routing_key=t) for t in sorted(event_types)],
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.dead.name,
                "x-dead-letter-routing-key": service,
            },
        )

    def dead_queue(self, service: str) -> Queue:
        """Where the service's undeliverable events wait for a person to look."""
        return Queue(
            self.name(f"{service}.dead"),
            exchange=self.dead,
            routing_key=service,
            durable=True,
            queue_arguments={"x-queue-type": "quorum"},
        )

    def declare(
        self, connection: Connection, service: str | None, event_types: Iterable[str]
    ) -> None:
        """Declare the exchanges and, for a consuming service, its two queues."""
        channel = connection.default_channel
        self.events(channel).declare()
        self.dead(channel).declare()
        types = list(event_types)
        if service and types:
            self.queue(service, types)(channel).declare()
            self.dead_queue(service)(channel).declare()


def connect(url: str, *, heartbeat: int = 0, confirm_each: bool = True) -> Connection:
    """A kombu connection; on AMQP every publish waits for the broker's confirm.

    ``confirm_each=False`` leaves confirms to the caller (the batch publisher
    turns them on for its channel and waits once per batch).
    """
    options: dict[str, Any] = {}
    if url.startswith(("amqp", "pyamqp")) and confirm_each:
        options["confirm_publish"] = True
    return Connection(url, transport_options=options, connect_timeout=5, heartbeat=heartbeat)


def is_amqp(connection: Connection) -> bool:
    """True for a real broker, False for kombu's in-memory transport."""
    return connection.transport.driver_type == "amqp"


class PublishFailed(RuntimeError):
    """A batch was not wholly confirmed; its first ``confirmed`` events were."""

    def __init__(self, confirmed: int, reason: str) -> None:
        super().__init__(reason)
        self.confirmed = confirmed


class Publisher:
    """Publishes envelopes to ``crm.events``; nothing counts as sent until confirmed.

    :meth:`send` waits for each event's confirm; :meth:`send_many` publishes
    a whole batch and then waits once for the broker to confirm all of it,
    which is what lets the relay keep up with a bulk import.

    Not thread-safe: each thread that publishes keeps its own. A failure
    drops the connection so the next call reconnects.
    """

    def __init__(self, url: str, topology: Topology, *, timeout: float = 10.0) -> None:
        self.url = url
        self.topology = topology
        self.timeout = timeout
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._batch_connection: Connection | None = None
        self._next_tag = 1
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._acked_upto = 0

    def _ensure(self) -> Producer:
        if self._producer is None:
            connection = connect(self.url)
            connection.ensure_connection(max_retries=1)
            self.topology.declare(connection, None, ())
            self._connection = connection
            self._producer = Producer(connection.default_channel, exchange=self.topology.events)
        return self._producer

    def send(self, envelope: dict[str, Any]) -> None:
        """Publish one event persistently; raise if the broker did not confirm it."""
        try:
            producer = self._ensure()
            producer.publish(
                json.dumps(envelope, separators=(",", ":")),
                routing_key=envelope["type"],
                content_type=CONTENT_TYPE,
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=envelope["id"],
                timeout=self.timeout,
            )
        except Exception:
            self.close()
            raise

    def _batch_channel(self) -> Any:
        if self._batch_connection is None:
            connection = connect(self.url, confirm_each=False)
            connection.ensure_connection(max_retries=1)
            self.topology.declare(connection, None, ())
            channel = connection.default_channel
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._batch_connection = connection
            self._next_tag = 1
            self._acked, self._nacked, self._acked_upto = set(), set(), 0
        return self._batch_connection.default_channel

    def _on_ack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._acked_upto = max(self._acked_upto, tag)
        else:
            self._acked.add(tag)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._nacked.add(tag)
        if multiple:  # every unconfirmed tag up to this one was refused
            self._nacked.update(range(self._acked_upto + 1, tag))

    def _confirmed(self, tag: int) -> bool:
        return tag <= self._acked_upto or tag in self._acked

    def _settled(self, first: int, last: int) -> bool:
        # Brokers confirm in order, mostly with multiple=True: check the
        # cheap case first, then each tag.
        if self._acked_upto >= last:
            return True
        return all(self._confirmed(t) or t in self._nacked for t in range(first, last + 1))

    def send_many(self, envelopes: list[dict[str, Any]]) -> None:
        """Publish a batch persistently; raise :class:`PublishFailed` unless all confirmed."""
        if not envelopes:
            return
        if not self.url.startswith(("amqp", "pyamqp")):
            for index, envelope in enumerate(envelopes):
                try:
                    self.send(envelope)
                except Exception as exc:
                    raise PublishFailed(index, str(exc)) from exc
            return
        first = last = self._next_tag
        try:
            channel = self._batch_channel()
            first = self._next_tag
            exchange = self.topology.events.name
            for envelope in envelopes:
                message = channel.prepare_message(
                    json.dumps(envelope, separators=(",", ":")),
                    content_type=CONTENT_TYPE,
                    content_encoding="utf-8",
                    properties={"delivery_mode": 2, "message_id": envelope["id"]},
                )
                channel.basic_publish(message, exchange=exchange, routing_key=envelope["type"])
                self._next_tag += 1
            last = self._next_tag - 1
            deadline = time.monotonic() + self.timeout
            assert self._batch_connection is not None
            while not self._settled(first, last):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the broker did not confirm the batch in time")
                self._batch_connection.drain_events(timeout=remaining)
        except Exception as exc:
            confirmed = 0
            for tag in range(first, self._next_tag):
                if not self._confirmed(tag):
                    break
                confirmed += 1
            self.close()
            raise PublishFailed(confirmed, f"{type(exc).__name__}: {exc}") from exc
        refused = [t for t in range(first, last + 1) if t in self._nacked]
        if refused:
            confirmed = refused[0] - first
            self._nacked.difference_update(refused)
            raise PublishFailed(confirmed, "the broker refused (nacked) part of the batch")
        # Forget tags this batch no longer needs.
        self._acked = {t for t in self._acked if t > last}

    def close(self) -> None:
        """Drop the connections."""
        for connection in (self._connection, self._batch_connection):
            if connection is not None:
                with suppress(Exception):  # already broken; nothing to release
                    connection.release()
        self._connection = None
        self._producer = None
        self._batch_connection = None


# Errors that say the database, not the event, is at fault: the message is
# held and retried in place rather than burning its delivery attempts.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError,)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class EventConsumer:
    """Consumes a service's queue and hands each event to ``process``.

    ``process`` must be idempotent (the inbox makes it so). Success acks;
    a database outage holds the message and retries it; any other failure
    returns the message to the queue until its delivery limit, then
    dead-letters it so the rest keep flowing.
    """

    def __init__(
        self,
        url: str,
        topology: Topology,
        service: str,
        event_types: Iterable[str],
        process: Callable[[Event], Any],
        *,
        prefetch: int = 50,
    ) -> None:
        self.url = url
        self.topology = topology
        self.service = service
        self.event_types = sorted(event_types)
        self.process = process
        self.prefetch = prefetch
        self.tracer = telemetry.tracer(service)
        self._local_attempts: Counter[str] = Counter()
        self._connection: Connection | None = None
        self._stop = threading.Event()
        self.ready = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set, reconnecting with backoff."""
        self._stop = stop
        backoff = 0.5
        while not stop.is_set():
            try:
                with connect(self.url, heartbeat=30) as connection:
                    connection.ensure_connection(max_retries=1)
                    self._connection = connection
                    self.topology.declare(connection, self.service, self.event_types)
                    queue = self.topology.queue(self.service, self.event_types)
                    with Consumer(
                        connection.default_channel,
                        queues=[queue],
                        on_message=self._on_message,
                        prefetch_count=self.prefetch,
                        no_ack=False,
                    ):
                        self.ready.set()
                        backoff = 0.5
                        while not stop.is_set():
                            try:
                                connection.drain_events(timeout=0.5)
                            except TimeoutError:
                                connection.heartbeat_check()
            except Exception:
                self.ready.clear()
                if stop.is_set():
                    break
                log.warning("consumer lost the broker; retrying in %.1fs", backoff, exc_info=True)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self.ready.clear()

    def _attempts(self, message: Message, event_id: str) -> int:
        """Failed deliveries before this one."""
        header = (message.headers or {}).get("x-delivery-count")
        if header is not None:
            return int(header)
        return self._local_attempts[event_id]

    def _dead_letter(self, message: Message, reason: str) -> None:
        assert self._connection is not None
        if is_amqp(self._connection):
            message.reject(requeue=False)  # the broker routes it to crm.dead
            return
        # The in-memory transport drops rejected messages: route it ourselves.
        producer = Producer(self._connection.default_channel, exchange=self.topology.dead)
        headers = dict(message.headers or {})
        headers["x-crm-dead-reason"] = reason
        producer.publish(
            message.body,
            routing_key=self.service,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            headers=headers,
            declare=[self.topology.dead_queue(self.service)],
        )
        message.ack()

    def _on_message(self, message: Message) -> None:
        try:
            event = Event.from_envelope(json.loads(message.body))
        except ValueError as exc:
            log.error("undecodable event dead-lettered: %s", exc)
            self._dead_letter(message, f"undecodable: {exc}")
            return
        attempts = self._attempts(message, event.id)
        context = telemetry.extract({"traceparent": event.traceparent or ""})
        backoff = 0.5
        while True:
            with self.tracer.start_as_current_span(
                f"{event.type} process",
                context=context,
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.operation": "process",
                    "messaging.destination.name": self.topology.events.name,
                    "messaging.message.id": event.id,
                    "crm.event.type": event.type,
                    "crm.delivery.attempt": attempts + 1,
                },
            ) as span:
                try:
                    self.process(event)
                except Exception as exc:
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, str(exc)))
                    if _is_transient(exc) and not self._stop.is_set():
                        log.warning(
                            "database unavailable handling %s; holding it %.1fs",
                            event.type,
                            backoff,
                            extra={"event_id": event.id, "event_type": event.type},
                        )
                        self._stop.wait(backoff)
                        backoff = min(backoff * 2, 30.0)
                        if not self._stop.is_set():
                            continue
                        message.requeue()
                        return
                    log.exception(
                        "handler failed (attempt %d of %d)",
                        attempts + 1,
                        self.topology.delivery_limit + 1,
                        extra={"event_id": event.id, "event_type": event.type},
                    )
                    if attempts >= self.topology.delivery_limit:
                        self._local_attempts.pop(event.id, None)
                        self._dead_letter(message, f"{type(exc).__name__}: {exc}")
                    else:
                        self._local_attempts[event.id] += 1
                        message.requeue()
                    return
            self._local_attempts.pop(event.id, None)
            message.ack()
            return


def queue_depth(url: str, topology: Topology, service: str) -> dict[str, int]:
    """Messages waiting in the service's work and dead-letter queues."""
    depths: dict[str, int] = {}
    with connect(url) as connection:
        channel = connection.default_channel
        for queue in (topology.queue(service, ()), topology.dead_queue(service)):
            try:
                _name, count, _consumers = queue(channel).queue_declare(passive=True)
            except Exception:
                channel = connection.channel()
                count = 0
            depths[queue.name] = int(count)
    return depths


def replay_dead_letters(url: str, topology: Topology, service: str, limit: int = 1000) -> int:
    """Move up to ``limit`` messages from ``<service>.dead`` back onto its work queue.

    They go straight to the service's own queue (not the topic exchange), so
    other consumers do not see them again. Returns how many were moved.
    """
    moved = 0
    with connect(url) as connection:
        channel = connection.default_channel
        dead = topology.dead_queue(service)(channel)
        producer = Producer(channel)
        target = topology.name(f"{service}.events")
        while moved < limit:
            message = dead.get(no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            producer.publish(
                message.body,
                exchange="",
                routing_key=target,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                headers=headers,
                delivery_mode=2,
            )
            message.ack()
            moved += 1
    return moved
