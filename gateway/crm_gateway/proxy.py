"""Routing ``/api/v1/...`` to the service that owns it, over pooled HTTP.

The first path segment after ``/api/v1/`` names the resource; the routing
table maps it to a service's base URL. Requests and responses stream
through, so large uploads and exports never sit whole in the gateway's
memory. A service that refuses the connection answers 502, one that is too
slow 504, both as problem details.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import urllib3
from flask import Response, request, stream_with_context

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
    """Forwards requests to services over one thread-safe urllib3 connection pool.

    urllib3 directly rather than requests (which is built on it): the proxy
    needs no cookies, hooks or redirects, and skipping that machinery halves
    the gateway's own CPU per request.
    """

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
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.pool = urllib3.PoolManager(
            num_pools=max(len(self.service_urls), 1), maxsize=pool_size, block=False
        )

    def target(self, path: str) -> tuple[str, str]:
        """(service name, base URL) owning ``/api/v1/<path>``."""
        resource = path.split("/", 1)[0]
        service = self.routes.get(resource)
        if service is None or service not in self.service_urls:
            raise NotFound(f"no API at /api/v1/{resource}")
        return service, self.service_urls[service]

    def _body(self) -> tuple[Any, bool]:
        """The body to send and whether it goes in chunks (unknown length)."""
        length = request.content_length
        if length is not None and length <= _INLINE_BODY:
            return request.get_data(), False
        if length is None and not request.headers.get("Transfer-Encoding"):
            return None, False
        stream = request.stream
        return iter(lambda: stream.read(64 * 1024), b""), True

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
        body, chunked = self._body()
        try:
            upstream = self.pool.urlopen(
                request.method,
                url,
                body=body,
                headers=headers,
                chunked=chunked,
                timeout=self.timeout,
                retries=False,
                redirect=False,
                preload_content=False,
                decode_content=False,
            )
        except (
            urllib3.exceptions.NewConnectionError
        ) as exc:  # refused (a ConnectTimeoutError subclass)
            raise BadGateway(f"the {service} service is unavailable", service=service) from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise GatewayTimeout(
                f"the {service} service did not accept the connection in time", service=service
            ) from exc
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            raise GatewayTimeout(
                f"the {service} service did not answer in time", service=service
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BadGateway(f"the {service} service is unavailable", service=service) from exc
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
