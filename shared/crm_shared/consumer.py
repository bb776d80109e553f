"""Consuming a service's queue: small batches through the inbox, failures counted per event.

Only a handler's own failure spends an event's attempts. The count travels
in the message (``x-crm-failures``): a failed event is published again to
the service's own queue with the count raised, and the delivery it came in
is acknowledged; after ``delivery_limit`` failures it is published to
``<service>.dead`` instead. A database outage spends nothing: the batch is
held and retried in place, and if the process stops or dies meanwhile its
messages simply return to the queue. The broker's own delivery limit on the
queue is only a last-resort guard against a message that kills its consumer
(see :class:`~crm_shared.bus.Topology`), set far above any restart loop.

Events are taken in batches (up to ``batch_size``, or what arrived within
``max_wait`` seconds): their inbox rows and handlers run in one transaction
(:func:`~crm_shared.inbox.handle_batch`) and the batch is acknowledged with
one frame after the commit.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from kombu import Connection, Consumer, Producer
from kombu.message import Message

from .bus import Topology, connect, is_amqp
from .db import is_transient
from .events import Event
from .inbox import Outcome

log = logging.getLogger(__name__)

FAILURES_HEADER = "x-crm-failures"
REASON_HEADER = "x-crm-dead-reason"

BatchProcessor = Callable[[list[Event]], list[Outcome]]


def failures_of(message: Message) -> int:
    """Handler failures this event has met before this delivery."""
    try:
        return int((message.headers or {}).get(FAILURES_HEADER, 0))
    except (TypeError, ValueError):
        return 0


class EventConsumer:
    """Consumes a service's queue and hands batches of events to ``process_batch``.

    ``process_batch`` returns one outcome per event (``"handled"``,
    ``"skipped"`` or the handler's exception) and raises only for a database
    outage, which the consumer waits out. ``stats`` counts outcomes, so
    health checks, metrics and tests see what happened.
    """

    def __init__(
        self,
        url: str,
        topology: Topology,
        service: str,
        event_types: Iterable[str],
        process_batch: BatchProcessor,
        *,
        prefetch: int = 200,
        batch_size: int = 100,
        max_wait: float = 0.02,
    ) -> None:
        self.url = url
        self.topology = topology
        self.service = service
        self.event_types = sorted(event_types)
        self.process_batch = process_batch
        self.prefetch = prefetch
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.stats: Counter[str] = Counter()
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._buffer: list[Message] = []
        self._first_at = 0.0

    @property
    def queue_name(self) -> str:
        """The service's work queue."""
        return self.topology.name(f"{self.service}.events")

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
                    # Failed events are published again on a channel of their
                    # own, with publisher confirms, before their delivery is acked.
                    self._producer = Producer(connection.channel())
                    with Consumer(
                        connection.default_channel,
                        queues=[queue],
                        on_message=self._receive,
                        prefetch_count=self.prefetch,
                        no_ack=False,
                        auto_declare=False,
                    ):
                        self.ready.set()
                        backoff = 0.5
                        while not stop.is_set():
                            self._drain(connection)
            except Exception:
                self.ready.clear()
                if stop.is_set():
                    break
                log.warning("consumer lost the broker; retrying in %.1fs", backoff, exc_info=True)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                # Unacknowledged deliveries return to the queue with the connection.
                self._buffer = []
                self._producer = None
        self.ready.clear()

    def _receive(self, message: Message) -> None:
        if not self._buffer:
            self._first_at = time.monotonic()
        self._buffer.append(message)

    def _drain(self, connection: Connection) -> None:
        try:
            connection.drain_events(timeout=self.max_wait if self._buffer else 0.5)
        except TimeoutError:
            if not self._buffer:
                connection.heartbeat_check()
                return
        else:
            full = len(self._buffer) >= self.batch_size
            if not full and time.monotonic() - self._first_at < self.max_wait:
                return
        self._flush()

    def _flush(self) -> None:
        batch, self._buffer = self._buffer, []
        decoded: list[tuple[Message, Event]] = []
        for message in batch:
            try:
                decoded.append((message, Event.from_envelope(json.loads(message.body))))
            except ValueError as exc:
                log.error("undecodable event dead-lettered: %s", exc)
                self._dead_letter(message, f"undecodable: {exc}", failures_of(message))
        outcomes = self._process([event for _message, event in decoded])
        if outcomes is None:
            return  # stopping during an outage: the deliveries go back unacked
        for (message, event), outcome in zip(decoded, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                self._failed(message, event, outcome)
            else:
                self.stats[outcome] += 1
        self._ack(batch)
        self.stats["batches"] += 1

    def _process(self, events: list[Event]) -> list[Outcome] | None:
        backoff = 0.5
        while True:
            try:
                return self.process_batch(events)
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("batch processing failed outside any handler")
                    return [exc] * len(events)
                if self._stop.is_set():
                    return None
                self.stats["held"] += 1
                log.warning("database unavailable; holding %d events %.1fs", len(events), backoff)
                if self._stop.wait(backoff):
                    return None
                backoff = min(backoff * 2, 30.0)

    def _failed(self, message: Message, event: Event, exc: BaseException) -> None:
        failures = failures_of(message) + 1
        limit = self.topology.delivery_limit
        log.error(
            "handler failed (failure %d of %d): %s",
            failures,
            limit,
            exc,
            exc_info=exc,
            extra={"event_id": event.id, "event_type": event.type},
        )
        if failures >= limit:
            self._dead_letter(message, f"{type(exc).__name__}: {exc}", failures)
        else:
            self._publish(message, "", self.queue_name, {FAILURES_HEADER: failures})
            self.stats["retried"] += 1

    def _dead_letter(self, message: Message, reason: str, failures: int) -> None:
        self._publish(
            message,
            self.topology.dead.name,
            self.service,
            {FAILURES_HEADER: failures, REASON_HEADER: reason[:500]},
        )
        self.stats["dead_lettered"] += 1

    def _publish(
        self, message: Message, exchange: str, routing_key: str, extra: dict[str, Any]
    ) -> None:
        assert self._producer is not None
        headers = {k: v for k, v in (message.headers or {}).items() if k != "x-death"}
        headers.update(extra)
        # The connection confirms each publish (see bus.connect), so the
        # event is safely queued again before its delivery is acknowledged.
        self._producer.publish(
            message.body,
            exchange=exchange,
            routing_key=routing_key,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            headers=headers,
            delivery_mode=2,
            message_id=message.properties.get("message_id"),
        )

    def _ack(self, batch: list[Message]) -> None:
        if not batch:
            return
        assert self._connection is not None
        if is_amqp(self._connection):
            batch[-1].ack(multiple=True)  # one frame for the whole batch
        else:
            for message in batch:  # the in-memory transport acks one at a time
                message.ack()
