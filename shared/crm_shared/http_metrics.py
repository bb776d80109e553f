"""Request figures of a web process, and ``/metrics`` to read them.

Labels use the route's template (``/api/v1/leads/<uuid:lead_id>``), never the
raw path, so a scan of random URLs cannot grow the series without bound:
anything no route matched counts as ``unmatched``. The gateway forwards only
``/api/v1/``, so ``/metrics`` is reachable inside the deployment, not from
clients.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from . import metrics

ENDPOINT = "crm_metrics"  # in crm_shared.context.ALWAYS_PUBLIC


def install_http_metrics(app: Flask, service: str) -> None:
    """Count and time every request ``app`` answers; serve ``/metrics``."""

    @app.before_request
    def _start() -> None:
        g._crm_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        started = g.pop("_crm_started", None)
        if started is None or request.endpoint == ENDPOINT:
            return response
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        status = response.status_code
        metrics.HTTP_REQUESTS.labels(service, route, request.method, str(status)).inc()
        metrics.HTTP_LATENCY.labels(service, route, request.method).observe(
            time.perf_counter() - started
        )
        reason = metrics.REFUSAL_REASONS.get(status)
        if reason is not None and request.path.startswith("/api/"):
            metrics.HTTP_REFUSALS.labels(service, reason).inc()
        return response

    @app.get("/metrics", endpoint=ENDPOINT)
    def _metrics() -> Response:
        return Response(metrics.process_exposition(), content_type=metrics.CONTENT_TYPE)
