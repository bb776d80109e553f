"""Routing ``/api/v1/...`` to the service that owns it, over pooled HTTP.

The first path segment after ``/api/v1/`` names the resource; the routing
table maps it to a service's base URL. Requests and responses stream
through, so large uploads and exports never sit whole in the gateway's
memory. A service that refuses the connection answers 502, one that is too
slow 504, both as problem details.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import requests
from flask import Response, request, stream_with_context
from requests.adapters import HTTPAdapter

from crm_shared import telemetry
from crm_shared.errors import NotFound, Problem

# Which service owns each top-level resource under /api/v1/.
DEFAULT_ROUTES: dict[str, str] = {
    "leads": "leads",
    "campaigns": "leads",
    "lead-sources": "leads",
    "lead-forms": "leads",
    "forms": "leads",
    "scoring-rules": "leads",
    "assignment-rules": "leads",
    "customers": "customers",
    "pools": "customers",
    "contacts": "customers",
    "followups": "customers",
    "visits": "customers",
    "calendar": "customers",
    "tasks": "customers",
    "tiers": "customers",
    "opportunities": "opportunities",
    "pipelines": "opportunities",
    "forecasts": "opportunities",
    "orders": "orders",
    "products": "orders",
    "price-lists": "orders",
    "quotes": "orders",
    "contracts": "orders",
    "payments": "orders",
    "invoices": "orders",
    "deliveries": "orders",
    "tickets": "service-desk",
    "kb": "service-desk",
    "sla-policies": "service-desk",
    "surveys": "service-desk",
    "compensation": "compensation",
}

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

_PATH_SAFE = "/:@!$&'()*+,;=-._~"

# Bodies up to this size are read and sent in one piece; larger ones stream.
_INLINE_BODY = 1024 * 1024


class BadGateway(Problem):
    """The owning service refused or dropped the connection."""

    status, title, slug = 502, "Bad Gateway", "bad-gateway"


class GatewayTimeout(Problem):
    """The owning service did not answer in time."""

    status, title, slug = 504, "Gateway Timeout", "gateway-timeout"


class Proxy:
    """Forwards requests to services; one pooled HTTP session per thread."""

    def __init__(
        self,
        service_urls: Mapping[str, str],
        routes: Mapping[str, str],
        *,
        connect_timeout: float,
        read_timeout: float,
        pool_size: int = 32,
    ) -> None:
        self.service_urls = {name: url.rstrip("/") for name, url in service_urls.items()}
        self.routes = dict(routes)
        self.timeout = (connect_timeout, read_timeout)
        self.pool_size = pool_size
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(
                pool_connections=len(self.service_urls) or 1,
                pool_maxsize=self.pool_size,
                max_retries=0,
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.trust_env = False
            self._local.session = session
        return session

    def target(self, path: str) -> tuple[str, str]:
        """(service name, base URL) owning ``/api/v1/<path>``."""
        resource = path.split("/", 1)[0]
        service = self.routes.get(resource)
        if service is None or service not in self.service_urls:
            raise NotFound(f"no API at /api/v1/{resource}")
        return service, self.service_urls[service]

    def _body(self) -> Any:
        length = request.content_length
        if length is not None and length <= _INLINE_BODY:
            return request.get_data()
        if length is None and not request.headers.get("Transfer-Encoding"):
            return None
        stream = request.stream
        return iter(lambda: stream.read(64 * 1024), b"")

    def forward(self, path: str) -> Response:
        """Send the current request to its service and relay the answer."""
        service, base = self.target(path)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        forwarded_for = request.headers.get("X-Forwarded-For")
        client = request.remote_addr or ""
        headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        telemetry.inject(headers)
        url = base + quote(request.path, safe=_PATH_SAFE)
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        try:
            upstream = self._session().request(
                request.method,
                url,
                headers=headers,
                data=self._body(),
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.ConnectTimeout as exc:
            raise GatewayTimeout(
                f"the {service} service did not accept the connection in time", service=service
            ) from exc
        except requests.ConnectionError as exc:
            raise BadGateway(f"the {service} service is unavailable", service=service) from exc
        except requests.Timeout as exc:
            raise GatewayTimeout(
                f"the {service} service did not answer in time", service=service
            ) from exc
        response_headers = [
            (k, v) for k, v in upstream.raw.headers.items() if k.lower() not in HOP_BY_HOP
        ]
        length = upstream.headers.get("Content-Length")
        if length is not None and int(length) <= _INLINE_BODY:
            body: Any = upstream.raw.read(decode_content=False)
            upstream.close()
        else:
            body = stream_with_context(_relay(upstream))
        response = Response(body, status=upstream.status_code, headers=response_headers)
        if length is not None:
            response.headers["Content-Length"] = length
        return response


def _relay(upstream: requests.Response) -> Iterator[bytes]:
    try:
        yield from upstream.raw.stream(64 * 1024, decode_content=False)
    finally:
        upstream.close()
