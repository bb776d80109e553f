"""A worker's figures in Prometheus text format, served on its health port at ``/metrics``.

Metric names (every one labelled ``service``):

- ``crm_consumer_events_total{outcome}``: events the consumer settled, by
  outcome: ``handled``, ``skipped`` (a repeat the inbox had seen),
  ``retried`` (a handler failed; queued again), ``dead_lettered``;
- ``crm_consumer_batches_total``: batches committed and acknowledged;
- ``crm_consumer_held_total``: times a batch was held for a database outage;
- ``crm_consumer_connected``: 1 while the consumer is attached to its queue;
- ``crm_queue_messages{queue}``: messages ready in the work and dead-letter
  queues (``crm_dead_letter_messages`` repeats the latter, to alert on > 0);
- ``crm_outbox_pending``: events written but not yet confirmed by the broker;
- ``crm_outbox_oldest_pending_seconds``: the age of the oldest of them (outbox lag).

Every web process and worker also exports the process figures below
(requests, refusals, pool, relay, imports); see docs/operations.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTCOMES = ("handled", "skipped", "retried", "dead_lettered")


class TtlCache:
    """The last answer of ``fetch`` for ``ttl`` seconds, so scrapes do not hammer the broker."""

    def __init__(self, fetch: Callable[[], Any], ttl: float = 5.0) -> None:
        self.fetch = fetch
        self.ttl = ttl
        self._value: Any = None
        self._at = float("-inf")

    def get(self) -> Any:
        """The cached value, fetched again once older than ``ttl``; None if fetching fails."""
        if time.monotonic() - self._at > self.ttl:
            try:
                self._value = self.fetch()
            except Exception:
                self._value = None
            self._at = time.monotonic()
        return self._value


class WorkerCollector(Collector):
    """Reads a worker's counters and queue depths at scrape time."""

    def __init__(
        self,
        service: str,
        stats: Callable[[], Mapping[str, int] | None],
        depths: Callable[[], Mapping[str, int] | None],
        outbox_pending: Callable[[], Mapping[str, Any] | None],
        connected: Callable[[], bool | None],
        dead_queue: str,
    ) -> None:
        self.service = service
        self.stats = stats
        self.depths = depths
        self.outbox_pending = outbox_pending
        self.connected = connected
        self.dead_queue = dead_queue

    def collect(self) -> Iterator[Metric]:
        """One sample per figure the worker has (a worker without a consumer has fewer)."""
        labels = [self.service]
        stats = self.stats()
        if stats is not None:
            events = CounterMetricFamily(
                "crm_consumer_events",
                "Events settled by the consumer",
                labels=["service", "outcome"],
            )
            for outcome in OUTCOMES:
                events.add_metric([self.service, outcome], stats.get(outcome, 0))
            yield events
            for name, key, doc in (
                ("crm_consumer_batches", "batches", "Batches committed and acknowledged"),
                ("crm_consumer_held", "held", "Batches held for a database outage"),
            ):
                family = CounterMetricFamily(name, doc, labels=["service"])
                family.add_metric(labels, stats.get(key, 0))
                yield family
        connected = self.connected()
        if connected is not None:
            gauge = GaugeMetricFamily(
                "crm_consumer_connected", "1 while consuming", labels=["service"]
            )
            gauge.add_metric(labels, 1 if connected else 0)
            yield gauge
        depths = self.depths()
        if depths is not None:
            queues = GaugeMetricFamily(
                "crm_queue_messages", "Messages ready in a queue", labels=["service", "queue"]
            )
            for queue, count in sorted(depths.items()):
                queues.add_metric([self.service, queue], count)
            yield queues
            dead = GaugeMetricFamily(
                "crm_dead_letter_messages", "Messages in the dead-letter queue", labels=["service"]
            )
            dead.add_metric(labels, depths.get(self.dead_queue, 0))
            yield dead
        pending = self.outbox_pending()
        if pending is not None:
            gauge = GaugeMetricFamily(
                "crm_outbox_pending", "Outbox events not yet confirmed", labels=["service"]
            )
            gauge.add_metric(labels, pending["pending"])
            yield gauge
            lag = GaugeMetricFamily(
                "crm_outbox_oldest_pending_seconds",
                "Age of the oldest outbox event not yet confirmed (0 when none)",
                labels=["service"],
            )
            lag.add_metric(labels, pending["lag_seconds"])
            yield lag


def render(collector: Collector) -> bytes:
    """The Prometheus text exposition of ``collector``'s metrics and the process figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry) + process_exposition()


# Process figures, kept in prometheus-client's default registry: every web
# process and worker exports them at ``/metrics``. Under gunicorn each worker
# writes them to ``PROMETHEUS_MULTIPROC_DIR`` (set by
# :mod:`crm_shared.gunicorn_config`) and a scrape of any worker sums them all.
HTTP_REQUESTS = Counter(
    "crm_http_requests",
    "Requests answered, by route template and status",
    ["service", "route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "Time from a request's arrival to its answer",
    ["service", "route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_REFUSALS = Counter(
    "crm_http_refusals",
    "API requests refused to protect the process: overload (503), rate limit (429), size (413)",
    ["service", "reason"],
)
DB_POOL_IN_USE = Gauge(
    "crm_db_pool_in_use",
    "Database connections checked out of the pool",
    ["service"],
    multiprocess_mode="livesum",
)
RELAY_PUBLISHED = Counter(
    "crm_relay_published", "Outbox events the relay published and marked sent", ["service"]
)
IMPORT_ROWS = Counter(
    "crm_import_rows", "Import rows processed, by outcome", ["service", "kind", "outcome"]
)
REFUSAL_REASONS = {413: "too_large", 429: "rate_limited", 503: "overload"}


def process_exposition() -> bytes:
    """This process's figures (all gunicorn workers' under multiprocess mode) as text."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def watch_pool(engine: Any, service: str) -> None:
    """Keep :data:`DB_POOL_IN_USE` true for ``engine``'s pool."""
    from sqlalchemy import event

    gauge = DB_POOL_IN_USE.labels(service)

    @event.listens_for(engine, "checkout")
    def _out(*_args: Any) -> None:
        gauge.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_args: Any) -> None:
        gauge.dec()
