"""The gateway's signing keys (and liveness) on a listener of their own.

Services fetch the JWKS on their first requests, often in a burst of the
very requests the gateway is proxying to them: on the main port that fetch
would queue behind those requests for a free gunicorn thread, and time out.
This listener (``CRM_GATEWAY_KEYS_BIND``, e.g. ``0.0.0.0:8099``) runs in
every gateway web process beside gunicorn's thread pool, with a thread per
request, and answers only the key set and ``/healthz``; services point
``CRM_JWKS_URL`` at it. Each gunicorn worker binds it with ``SO_REUSEPORT``
so the kernel shares the port among them.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

log = logging.getLogger(__name__)

JWKS_PATHS = frozenset({"/jwks.json", "/api/v1/auth/jwks.json", "/.well-known/jwks.json"})


class _Keys(Protocol):
    def jwks(self) -> dict[str, Any]: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    keys: _Keys

    def server_bind(self) -> None:
        if hasattr(socket, "SO_REUSEPORT"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in JWKS_PATHS:
            try:
                self._send(200, self.server.keys.jwks(), cache="public, max-age=300")
            except Exception:
                log.exception("cannot read the signing keys")
                self._problem(503, "Service Unavailable", "the signing keys cannot be read")
        elif path == "/healthz":
            self._send(200, {"status": "ok"}, cache="no-store")
        else:
            self._problem(404, "Not Found", "this listener serves only the signing keys")

    def _problem(self, status: int, title: str, detail: str) -> None:
        self._send(
            status,
            {"type": "about:blank", "title": title, "status": status, "detail": detail},
            cache="no-store",
            content_type="application/problem+json",
        )

    def _send(
        self,
        status: int,
        body: dict[str, Any],
        *,
        cache: str,
        content_type: str = "application/json",
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("keys listener: " + format, *args)


def parse_bind(bind: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as a pair; ValueError when malformed."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"expected host:port, got {bind!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def start(keys: _Keys, bind: str) -> ThreadingHTTPServer:
    """Serve ``keys`` on ``bind`` in a daemon thread; the server, for ``shutdown()``."""
    host, port = parse_bind(bind)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("_KeysServer", (_Server,), {"address_family": family})
    server = server_class((host, port), _Handler)
    server.keys = keys
    threading.Thread(target=server.serve_forever, name="gateway-keys", daemon=True).start()
    log.info("signing keys served on %s", bind)
    return server
