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
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange, Producer, Queue, binding

from .config import Settings
from .events import CONTENT_TYPE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topology:
    """Names and shapes of the exchanges and queues."""

    namespace: str = ""
    # Handler failures after which the consumer dead-letters an event.
    delivery_limit: int = 5
    # The broker's own delivery limit on the work queue: it counts every
    # return of a message, a consumer's restart included, so it is only a
    # guard against a message that kills its consumer outright, set far above
    # what a restart loop during an outage could reach.
    guard_limit: int = 1000

    @classmethod
    def for_settings(cls, settings: Settings) -> Topology:
        """The topology a service's settings describe."""
        return cls(settings.bus_namespace, settings.delivery_limit, settings.queue_delivery_limit)

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
                "x-delivery-limit": self.guard_limit,
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
            for queue in (self.queue(service, types), self.dead_queue(service)):
                _declare_queue(connection, queue)


def _declare_queue(connection: Connection, queue: Queue) -> None:
    """Declare ``queue`` and its bindings, tolerating one made with older arguments.

    A queue's arguments cannot change once it exists: a queue declared by an
    earlier release (another delivery limit) is kept and bound as it is,
    and the operator is told to apply a policy instead.
    """
    channel = connection.channel()
    try:
        queue(channel).declare()
    except PreconditionFailed as exc:
        log.warning(
            "queue %s exists with other arguments (%s); keeping it as it is."
            " Set its delivery limit with a RabbitMQ policy (docs/operations.md).",
            queue.name,
            exc,
        )
        channel = connection.channel()
        bound = queue(channel)
        bound.queue_declare(passive=True)
        if queue.bindings:
            for extra in queue.bindings:
                extra.bind(bound)
        else:
            bound.queue_bind()
    finally:
        with suppress(Exception):
            channel.close()


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
            # py-amqp's channel, not kombu's abstract one: confirms and its events.
            channel: Any = connection.default_channel
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
