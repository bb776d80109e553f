"""Routing ``/api/v1/...`` to the service that owns it, over pooled HTTP.

The routing table (:mod:`crm_gateway.routing`) says which service serves
the first path segment after ``/api/v1/``; only plain paths under it are
forwarded, exactly as the client encoded them. Requests and responses
stream through, so large uploads and exports never sit whole in the
gateway's memory; a declared ``Content-Length`` is passed on so the service
refuses an over-limit body before it is sent. A body larger than
``anonymous_body_bytes`` (or of unknown length) without a valid bearer
token is refused at once, before a byte of it is read.

A service that refuses the connection is retried after a short wait (a
rolling restart), a stale pooled connection once for idempotent methods;
then it answers 502, one that is too slow 504, both as problem details.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import urllib3
from flask import Response, request, stream_with_context

from crm_shared import telemetry
from crm_shared.client_address import client_address
from crm_shared.errors import NotFound, Problem, Unauthorized

from .routing import RoutingTable, checked_api_path, resource_of

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Bodies up to this size are read and sent in one piece; larger ones stream.
_INLINE_BODY = 1024 * 1024


class BadGateway(Problem):
    """The owning service refused or dropped the connection."""

    status, title, slug = 502, "Bad Gateway", "bad-gateway"


class GatewayTimeout(Problem):
    """The owning service did not answer in time."""

    status, title, slug = 504, "Gateway Timeout", "gateway-timeout"


def raw_request_path() -> str:
    """The request's path as the client encoded it."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        from urllib.parse import quote

        raw = quote(request.path, safe="/:@!$&'()*+,;=-._~")
    return raw.split("?", 1)[0].split("#", 1)[0]


class Proxy:
    """Forwards requests to services over one thread-safe urllib3 connection pool.

    urllib3 directly rather than requests (which is built on it): the proxy
    needs no cookies, hooks or redirects, and skipping that machinery halves
    the gateway's own CPU per request.
    """

    def __init__(
        self,
        routes: RoutingTable,
        *,
        connect_timeout: float,
        read_timeout: float,
        pool: urllib3.PoolManager,
        authenticated: Callable[[str], bool],
        anonymous_body_bytes: int = 64 * 1024,
        retry_seconds: float = 10.0,
        own_resources: frozenset[str] = frozenset(),
    ) -> None:
        self.routes = routes
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.pool = pool
        self.authenticated = authenticated
        self.anonymous_body_bytes = anonymous_body_bytes
        self.retry_seconds = retry_seconds
        self.own_resources = own_resources

    def _check_caller(self) -> None:
        # A large body from nobody would hold a gateway thread while it
        # streams; refuse it before reading.
        length = request.content_length
        large = (
            length > self.anonymous_body_bytes
            if length is not None
            else bool(request.headers.get("Transfer-Encoding"))
        )
        if not large:
            return
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.authenticated(token.strip()):
            raise Unauthorized(
                f"a body over {self.anonymous_body_bytes} bytes needs a valid bearer token"
            )

    def _body(self) -> tuple[Any, bool]:
        """The body to send and whether it can be sent again (it was read whole)."""
        length = request.content_length
        if length is not None and length <= _INLINE_BODY:
            return request.get_data(), True
        if length is None and not request.headers.get("Transfer-Encoding"):
            return None, True
        stream = request.stream
        return iter(lambda: stream.read(64 * 1024), b""), False

    def _headers(self) -> dict[str, str]:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        # The gateway has judged the chain (only a trusted proxy's word counts);
        # services, trusting the gateway, read the one address it settled on.
        headers["X-Forwarded-For"] = client_address()
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        if request.content_length is not None:
            headers["Content-Length"] = str(request.content_length)
        telemetry.inject(headers)
        return headers

    def _send(self, service: str, url: str, body: Any, replayable: bool) -> Any:
        headers = self._headers()
        deadline = time.monotonic() + self.retry_seconds
        stale_retried = False
        wait = 0.1
        while True:
            try:
                return self.pool.urlopen(
                    request.method,
                    url,
                    body=body,
                    headers=headers,
                    chunked="Content-Length" not in headers and not replayable,
                    timeout=self.timeout,
                    retries=False,
                    redirect=False,
                    preload_content=False,
                    decode_content=False,
                )
            except urllib3.exceptions.NewConnectionError as exc:
                # Refused: nothing reached the service, so any method may be
                # sent again once it is back (a restart), if the body can be.
                if not replayable or time.monotonic() + wait > deadline:
                    raise BadGateway(
                        f"the {service} service is unavailable", service=service
                    ) from exc
            except urllib3.exceptions.ConnectTimeoutError as exc:
                raise GatewayTimeout(
                    f"the {service} service did not accept the connection in time",
                    service=service,
                ) from exc
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
                raise GatewayTimeout(
                    f"the {service} service did not answer in time", service=service
                ) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                # A pooled connection the service closed meanwhile (a worker
                # that stopped): the request may have been read, so only an
                # idempotent one is sent again, once.
                if stale_retried or not replayable or request.method not in IDEMPOTENT:
                    raise BadGateway(
                        f"the {service} service is unavailable", service=service
                    ) from exc
                stale_retried = True
                continue
            time.sleep(wait)
            wait = min(wait * 2, 1.0)

    def forward(self) -> Response:
        """Send the current request to its service and relay the answer."""
        path = checked_api_path(raw_request_path())
        resource = resource_of(path)
        if resource in self.own_resources:
            # The gateway's own resource, at a path none of its routes serves.
            raise NotFound(f"no API at {request.path[:200]}")
        service, base = self.routes.lookup(resource)
        self._check_caller()
        url = base + path
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        body, replayable = self._body()
        upstream = self._send(service, url, body, replayable)
        response_headers = [
            (k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP
        ]
        length = upstream.headers.get("Content-Length")
        if length is not None and int(length) <= _INLINE_BODY:
            try:
                payload: Any = upstream.read(decode_content=False)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise BadGateway(f"the {service} service broke off", service=service) from exc
            finally:
                upstream.release_conn()
        else:
            payload = stream_with_context(_relay(upstream))
        response = Response(payload, status=upstream.status, headers=response_headers)
        if length is not None:
            response.headers["Content-Length"] = length
        return response


def _relay(upstream: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    try:
        yield from upstream.stream(64 * 1024, decode_content=False)
    finally:
        upstream.release_conn()
