"""Tracing and structured logging.

Traces follow W3C Trace Context: the gateway starts a span per request and
forwards ``traceparent``; a service continues it, stores it in every event it
writes to the outbox, and the consumer of that event continues the same
trace. Spans go to a JSON-lines file (``CRM_TRACE_FILE``) and, when
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set and the OTLP exporter is installed, to
a collector. Logs are JSON lines carrying the current trace and span ids.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import threading
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

current_service: contextvars.ContextVar[str] = contextvars.ContextVar(
    "crm_current_service", default="crm"
)

_lock = threading.Lock()
_providers: dict[str, TracerProvider] = {}
_processors: list[SpanProcessor] | None = None
_logging_ready = False


def _shared_processors() -> list[SpanProcessor]:
    # One exporter per process, shared by every service hosted in it (the
    # embedded mode hosts all of them), each with its own service.name.
    global _processors
    if _processors is None:
        processors: list[SpanProcessor] = []
        path = os.environ.get("CRM_TRACE_FILE")
        if path:
            out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - lives with the process
            exporter = ConsoleSpanExporter(
                out=out, formatter=lambda span: span.to_json(indent=None) + "\n"
            )
            processors.append(BatchSpanProcessor(exporter, schedule_delay_millis=200))
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            try:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                    OTLPSpanExporter,
                )
            except ImportError:
                logging.getLogger(__name__).warning(
                    "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not installed"
                )
            else:
                processors.append(BatchSpanProcessor(OTLPSpanExporter()))
        _processors = processors
    return _processors


def tracer(service: str) -> trace.Tracer:
    """The tracer of ``service``; spans it makes carry ``service.name=crm-<service>``."""
    with _lock:
        provider = _providers.get(service)
        if provider is None:
            processors = _shared_processors()
            # With nowhere to export spans, recording them is pure cost: spans
            # are then created unsampled, which still carries the trace id
            # through HTTP, the outbox and the bus (and X-Trace-Id).
            sampler = ParentBased(ALWAYS_ON if processors else ALWAYS_OFF)
            provider = TracerProvider(
                resource=Resource.create({"service.name": f"crm-{service}"}), sampler=sampler
            )
            for processor in processors:
                provider.add_span_processor(processor)
            _providers[service] = provider
    return provider.get_tracer(f"crm.{service}")


def flush() -> None:
    """Export finished spans now (before a process exits)."""
    for provider in list(_providers.values()):
        provider.force_flush(timeout_millis=2000)


def inject(carrier: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write the current trace context (``traceparent``) into ``carrier``."""
    propagate.inject(carrier)
    return carrier


def extract(carrier: Mapping[str, str]) -> Context:
    """Read a trace context from headers or an event envelope."""
    return propagate.extract(carrier)


def current_traceparent() -> str | None:
    """The ``traceparent`` of the active span, if one is recording."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the trace and span ids of the active span."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "service": current_service.get(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
            entry["span_id"] = format(ctx.span_id, "016x")
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        for key in ("event_id", "event_type", "status", "path", "method", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines naming the service, for people."""

    def format(self, record: logging.LogRecord) -> str:
        record.service = current_service.get()
        return super().format(record)


def setup_logging(level: str = "INFO") -> None:
    """Send the process's logs to stderr as JSON lines (once per process)."""
    global _logging_ready
    with _lock:
        if _logging_ready:
            return
        handler = logging.StreamHandler(sys.stderr)
        if os.environ.get("CRM_LOG_FORMAT", "json") == "text":
            # For a person watching a console (make run); machines get JSON.
            handler.setFormatter(
                TextFormatter("%(asctime)s %(levelname)-7s %(service)s: %(message)s", "%H:%M:%S")
            )
        else:
            handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(level)
        # Per-request lines from these libraries would drown the useful ones.
        for noisy in ("werkzeug", "amqp", "kombu", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        _logging_ready = True
