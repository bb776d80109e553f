"""Looking at and replaying a service's dead-lettered events.

``python -m <service> dead-letters`` counts them; ``--replay`` moves them
back to the service's own work queue (not the topic exchange, so other
services do not see them again), each at most once per run, optionally only
those of one ``--type`` or ``--id``, and then reports which were handled and
which failed again.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kombu import Producer
from kombu.message import Message
from sqlalchemy import select

from .bus import Topology, connect
from .db import Database
from .tables import inbox

# Marks the messages one replay run sent, so it can tell them from those it
# has not seen yet and find the ones that came back.
RUN_HEADER = "crm-replay-run"


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


def dead_letter_count(url: str, topology: Topology, service: str) -> int:
    """Messages waiting in ``<service>.dead``."""
    return queue_depth(url, topology, service)[topology.name(f"{service}.dead")]


def _identity(message: Message) -> tuple[str | None, str | None]:
    try:
        envelope = json.loads(message.body)
        return str(envelope.get("id")), str(envelope.get("type"))
    except (ValueError, AttributeError):
        return message.properties.get("message_id"), None


@dataclass
class ReplayRun:
    """What one replay run sent back, and what became of it."""

    run_id: str
    replayed: list[str] = field(default_factory=list)
    skipped: int = 0
    handled: set[str] = field(default_factory=set)
    failed_again: set[str] = field(default_factory=set)

    @property
    def pending(self) -> int:
        """Replayed events neither handled nor back in the dead-letter queue yet."""
        return len(set(self.replayed) - self.handled - self.failed_again)

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"replayed {len(self.replayed)}: handled {len(self.handled)},"
            f" failed again {len(self.failed_again)}, still pending {self.pending}"
            f" ({self.skipped} not selected, left in place)"
        )


def replay_dead_letters(
    url: str,
    topology: Topology,
    service: str,
    *,
    event_type: str | None = None,
    event_id: str | None = None,
    limit: int = 100_000,
) -> ReplayRun:
    """Move dead-lettered events back onto the service's work queue, each at most once.

    Every message taken stays unacknowledged on this run's channel until it
    is dealt with, so the broker never hands it out again during the run; a
    message this run already sent that fails again and comes back marks the
    end of what was there when the run began. Messages not selected by
    ``event_type``/``event_id`` go back to the dead-letter queue untouched.
    """
    run = ReplayRun(run_id=uuid.uuid4().hex)
    with connect(url) as connection:
        channel = connection.default_channel
        dead = topology.dead_queue(service)(channel)
        dead.declare()
        producer = Producer(channel)
        target = topology.name(f"{service}.events")
        kept: list[Message] = []
        while len(run.replayed) + len(kept) < limit:
            message = dead.get(no_ack=False)
            if message is None:
                break
            headers = dict(message.headers or {})
            if headers.get(RUN_HEADER) == run.run_id:
                kept.append(message)  # back already: everything older was seen
                break
            identity, kind = _identity(message)
            wanted = (event_type is None or kind == event_type) and (
                event_id is None or identity == event_id
            )
            if not wanted:
                kept.append(message)
                continue
            fresh = {k: v for k, v in headers.items() if not k.startswith("x-")}
            fresh[RUN_HEADER] = run.run_id
            producer.publish(
                message.body,
                exchange="",
                routing_key=target,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                headers=fresh,
                delivery_mode=2,
                message_id=message.properties.get("message_id"),
            )
            message.ack()
            run.replayed.append(identity or "")
        run.skipped = sum(1 for m in kept if (m.headers or {}).get(RUN_HEADER) != run.run_id)
        for message in kept:
            message.reject(requeue=True)
    return run


def returned_ids(url: str, topology: Topology, service: str, run_id: str) -> set[str]:
    """Ids of the events of replay ``run_id`` now back in the dead-letter queue.

    Looks without taking: every message is returned when the channel closes.
    """
    found: set[str] = set()
    with connect(url) as connection:
        channel = connection.channel()
        dead = topology.dead_queue(service)(channel)
        while (message := dead.get(no_ack=False)) is not None:
            if (message.headers or {}).get(RUN_HEADER) == run_id:
                identity, _kind = _identity(message)
                found.add(identity or "")
        channel.close()
    return found


def handled_ids(db: Database, ids: list[str]) -> set[str]:
    """Which of ``ids`` the service's inbox records as handled."""
    found: set[str] = set()
    with db.reading() as session:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            rows = session.execute(select(inbox.c.event_id).where(inbox.c.event_id.in_(chunk)))
            found.update(str(row[0]) for row in rows)
    return found


def follow(
    run: ReplayRun,
    *,
    handled: Callable[[list[str]], set[str]],
    returned: Callable[[], set[str]],
    timeout: float,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Any] = time.sleep,
) -> ReplayRun:
    """Wait up to ``timeout`` seconds until every replayed event was handled or came back."""
    deadline = clock() + timeout
    while True:
        run.handled = handled(run.replayed)
        run.failed_again = returned() - run.handled
        if run.pending == 0 or clock() >= deadline:
            return run
        sleep(interval)
