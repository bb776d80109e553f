"""A span per request, continuing the caller's trace."""

from __future__ import annotations

from flask import Flask, Response, g, request
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from . import telemetry


def install_tracing(app: Flask, service: str) -> None:
    """Open a server span for every request of ``app`` and tag the response."""
    tracer = telemetry.tracer(service)

    @app.before_request
    def _start_span() -> None:
        telemetry.current_service.set(service)
        rule = request.url_rule.rule if request.url_rule else request.path
        span = tracer.start_span(
            f"{request.method} {rule}",
            context=telemetry.extract(request.headers),  # type: ignore[arg-type]
            kind=SpanKind.SERVER,
            attributes={"http.request.method": request.method, "url.path": request.path},
        )
        g._crm_span = span
        g._crm_span_token = otel_context.attach(trace.set_span_in_context(span))

    @app.after_request
    def _tag_span(response: Response) -> Response:
        span = g.get("_crm_span")
        if span is not None:
            # Lets a client quote the trace when reporting a problem.
            response.headers["X-Trace-Id"] = format(span.get_span_context().trace_id, "032x")
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
        return response

    @app.teardown_request
    def _end_span(_exc: BaseException | None) -> None:
        span = g.pop("_crm_span", None)
        token = g.pop("_crm_span_token", None)
        if span is not None:
            span.end()
        if token is not None:
            otel_context.detach(token)
