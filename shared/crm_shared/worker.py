"""A service's worker process: outbox relay, event consumer, scheduled jobs.

The web processes only write to their database; the worker moves their
outbox to the bus, feeds incoming events to the service's handlers through
the inbox, and runs the service's periodic jobs. It answers ``/healthz`` and
``/readyz`` on its own port so an orchestrator can watch it.

A worker may take only some of those roles (``python -m <service> worker
--roles jobs``), so heavy jobs such as a lead import run in a process of
their own instead of sharing one interpreter lock with the relay; any number
of workers may run, since the relay and the consumer share out their work
and each job runs in one worker at a time.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode, use_span

from . import metrics, telemetry
from .bus import Publisher, Topology
from .config import Settings, load_settings
from .consumer import EventConsumer
from .db import Database
from .dead_letters import queue_depth
from .events import Event
from .inbox import Handler, ManyHandler, Outcome, handle_batch, handle_once, many_of
from .outbox import OutboxRelay, pending_stats
from .service import Job, ServiceSpec

log = logging.getLogger(__name__)

ROLES = ("relay", "consumer", "jobs")


class Worker:
    """Runs one service's background work in threads until stopped."""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: Settings | None = None,
        roles: Iterable[str] = ROLES,
    ) -> None:
        self.spec = spec
        self.settings = settings or load_settings(spec.name, extra=spec.extra_settings)
        self.roles = frozenset(roles)
        unknown = self.roles - set(ROLES)
        if unknown or not self.roles:
            raise ValueError(f"worker roles are some of {', '.join(ROLES)}; got {sorted(roles)}")
        telemetry.setup_logging(self.settings.log_level)
        self.db = Database(
            self.settings.database_url, service=spec.name, pool=self.settings.worker_pool
        )
        self.topology = Topology.for_settings(self.settings)
        self.handlers = dict(spec.handlers())
        self.jobs = list(spec.jobs()) if "jobs" in self.roles else []
        self.stop_event = threading.Event()
        self.publisher = Publisher(self.settings.broker_url, self.topology)
        self.relay = (
            OutboxRelay(
                self.db,
                self.publisher.send,
                send_many=self.publisher.send_many,
                batch_size=self.settings.relay_batch_size,
                idle_seconds=self.settings.relay_idle_seconds,
                derive=spec.derive_events,
            )
            if "relay" in self.roles
            else None
        )
        self.consumer = (
            EventConsumer(
                self.settings.broker_url,
                self.topology,
                spec.name,
                self.handlers.keys(),
                self.process_batch,
                prefetch=self.settings.prefetch,
                batch_size=self.settings.consumer_batch_size,
            )
            if self.handlers and "consumer" in self.roles
            else None
        )
        self._threads: list[threading.Thread] = []
        self._health: ThreadingHTTPServer | None = None
        self._depths = metrics.TtlCache(
            lambda: queue_depth(self.settings.broker_url, self.topology, spec.name)
        )

    def process(self, event: Event) -> bool:
        """Handle one event exactly once (the consumer calls this)."""
        telemetry.current_service.set(self.spec.name)
        handler = self.handlers.get(event.type)
        if handler is None:
            log.warning("no handler for %s; acknowledged", event.type)
            return False
        return handle_once(self.db, event, self._traced(handler))

    def process_batch(self, events: list[Event]) -> list[Outcome]:
        """Handle a batch of events once each (the consumer calls this)."""
        telemetry.current_service.set(self.spec.name)
        return handle_batch(self.db, events, lambda e: self._traced(self._handler_for(e)))

    def _handler_for(self, event: Event) -> Handler:
        handler = self.handlers.get(event.type)
        if handler is None:
            # The queue is bound only to handled types; an old binding may
            # still bring others, which are recorded and acknowledged.
            log.warning("no handler for %s; acknowledged", event.type)
            return lambda _session, _event: None
        return handler

    def _traced(self, handler: Handler) -> Handler:
        tracer = telemetry.tracer(self.spec.name)

        def run(session: Any, event: Event) -> None:
            context = telemetry.extract({"traceparent": event.traceparent or ""})
            with tracer.start_as_current_span(
                f"{event.type} process",
                context=context,
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.operation": "process",
                    "messaging.destination.name": self.topology.events.name,
                    "messaging.message.id": event.id,
                    "crm.event.type": event.type,
                },
            ):
                handler(session, event)

        many = many_of(handler)
        if many is not None:
            run.handle_many = self._traced_many(many, tracer)  # type: ignore[attr-defined]
        return run

    def _traced_many(self, many: ManyHandler, tracer: Any) -> ManyHandler:
        def run_many(session: Any, events: list[Event]) -> None:
            # Each event's trace gets its consumer span, covering the batch's
            # work; the work itself runs under the first event's span.
            spans = [
                tracer.start_span(
                    f"{event.type} process",
                    context=telemetry.extract({"traceparent": event.traceparent or ""}),
                    kind=SpanKind.CONSUMER,
                    attributes={
                        "messaging.system": "rabbitmq",
                        "messaging.operation": "process",
                        "messaging.destination.name": self.topology.events.name,
                        "messaging.message.id": event.id,
                        "messaging.batch.message_count": len(events),
                        "crm.event.type": event.type,
                    },
                )
                for event in events
            ]
            try:
                with use_span(spans[0], end_on_exit=False, record_exception=False):
                    many(session, events)
            except Exception as exc:
                for span in spans:
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, str(exc)[:200]))
                raise
            finally:
                for span in spans:
                    span.end()

        return run_many

    def _run_job(self, job: Job) -> None:
        telemetry.current_service.set(self.spec.name)
        tracer = telemetry.tracer(self.spec.name)
        while not self.stop_event.wait(job.every_seconds):
            try:
                with self.db.singleton(f"{self.spec.name}:{job.name}") as mine:
                    if mine:
                        with tracer.start_as_current_span(f"job {job.name}"):
                            job.run(self.db, self.settings)
            except Exception:
                log.exception("job %s failed; it runs again next period", job.name)

    def _spawn(self, name: str, target: Callable[[], Any]) -> None:
        def run() -> None:
            telemetry.current_service.set(self.spec.name)
            target()

        thread = threading.Thread(target=run, name=f"{self.spec.name}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def start(self) -> None:
        """Start the relay, the consumer and the jobs this worker has, and the health server."""
        if self.relay is not None:
            relay = self.relay
            self._spawn("relay", lambda: relay.run(self.stop_event))
        if self.consumer is not None:
            consumer = self.consumer
            self._spawn("consumer", lambda: consumer.run(self.stop_event))
        for job in self.jobs:
            self._spawn(f"job-{job.name}", functools.partial(self._run_job, job))
        if self.settings.health_port is not None:
            self._start_health(self.settings.health_port)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether the worker can do its work, and the figures behind it."""
        checks: dict[str, Any] = {}
        ok = True
        checks["roles"] = sorted(self.roles)
        try:
            checks["outbox"] = pending_stats(self.db)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
            ok = False
        if self.consumer is not None:
            connected = self.consumer.ready.is_set()
            checks["broker"] = "ok" if connected else "not connected"
            ok = ok and connected
            # Dead letters need a person, not a restart: shown, not failing readiness.
            depths = self._depths.get()
            dead = self.topology.name(f"{self.spec.name}.dead")
            checks["dead_letters"] = depths.get(dead, 0) if depths is not None else "unknown"
            checks["consumer"] = dict(self.consumer.stats)
        return ok, checks

    def metrics_text(self) -> bytes:
        """The worker's metrics in Prometheus text format (see :mod:`crm_shared.metrics`)."""
        consumer = self.consumer

        def outbox() -> dict[str, Any] | None:
            try:
                return pending_stats(self.db)
            except Exception:
                return None

        collector = metrics.WorkerCollector(
            self.spec.name,
            stats=lambda: consumer.stats if consumer is not None else None,
            depths=self._depths.get if consumer is not None else lambda: None,
            outbox_pending=outbox if self.relay is not None else lambda: None,
            connected=lambda: consumer.ready.is_set() if consumer is not None else None,
            dead_queue=self.topology.name(f"{self.spec.name}.dead"),
        )
        return metrics.render(collector)

    def _start_health(self, port: int) -> None:
        worker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/metrics":
                    self._send(200, worker.metrics_text(), metrics.CONTENT_TYPE)
                    return
                body: dict[str, Any]
                if self.path == "/healthz":
                    status, body = 200, {"status": "ok", "service": worker.spec.name}
                elif self.path == "/readyz":
                    ok, checks = worker.readiness()
                    status = 200 if ok else 503
                    body = {"status": "ready" if ok else "not ready", "checks": checks}
                else:
                    status, body = 404, {"status": 404, "title": "Not Found"}
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                return

        self._health = ThreadingHTTPServer(("0.0.0.0", port), Handler)
        self._spawn("health", self._health.serve_forever)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every thread and release connections."""
        self.stop_event.set()
        if self._health is not None:
            self._health.shutdown()
        for thread in self._threads:
            thread.join(timeout)
        self.publisher.close()
        self.db.dispose()
        telemetry.flush()

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT (the process's main loop)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop_event.set())
        self.start()
        log.info("worker started", extra={"status": "started"})
        self.stop_event.wait()
        self.stop()
