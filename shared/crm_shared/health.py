"""``/healthz`` (the process is alive) and ``/readyz`` (it can serve)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from flask import Flask, Response, jsonify

from .bus import connect

if TYPE_CHECKING:
    from .context import ServiceContext


class BrokerProbe:
    """Checks the broker at most every ``ttl`` seconds (readiness is polled often)."""

    def __init__(self, url: str, ttl: float = 10.0) -> None:
        self.url = url
        self.ttl = ttl
        self._checked = 0.0
        self._status = "unknown"
        self._lock = threading.Lock()

    def status(self) -> str:
        """``ok`` or why the broker cannot be reached (cached for ``ttl``)."""
        with self._lock:
            if time.monotonic() - self._checked > self.ttl:
                try:
                    with connect(self.url) as conn:
                        conn.ensure_connection(max_retries=1, timeout=2)
                    self._status = "ok"
                except Exception as exc:
                    self._status = f"unreachable: {type(exc).__name__}"
                self._checked = time.monotonic()
            return self._status


def install_health(app: Flask, ctx: ServiceContext) -> None:
    """Add ``/healthz`` and ``/readyz`` to ``app``.

    A service may add readiness checks of its own by putting callables
    ``() -> (name, status, ready)`` in ``app.extensions["crm.readiness"]``
    (the gateway reports each service behind it that way).
    """
    probe = BrokerProbe(ctx.settings.broker_url)
    app.extensions.setdefault("crm.readiness", [])

    @app.get("/healthz", endpoint="crm_healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=ctx.spec.name)

    @app.get("/readyz", endpoint="crm_readyz")
    def readyz() -> tuple[Response, int]:
        checks: dict[str, object] = {}
        try:
            ctx.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        # The web process writes events to its outbox, not to the broker, so
        # a broker outage is reported but does not take it out of rotation.
        checks["broker"] = probe.status()
        # Keys are fetched before the first request, not by a burst of them.
        checks["signing_keys"] = ctx.verifier.readiness()
        ready = checks["database"] == "ok" and checks["signing_keys"] == "ok"
        for check in app.extensions["crm.readiness"]:
            name, status, ok = check()
            checks[name] = status
            ready = ready and ok
        return jsonify(status="ready" if ready else "not ready", checks=checks), (
            200 if ready else 503
        )
