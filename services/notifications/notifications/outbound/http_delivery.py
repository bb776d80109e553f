"""The one way this service calls an outside URL: webhooks and chat robots alike.

Every call resolves the host itself, checks every answer against the SSRF
policy (``rules.ssrf``), then connects to the checked address (pinned, so a
second DNS answer cannot swap in a private one) while keeping the name for
the ``Host`` header, TLS SNI and certificate check. Redirects are followed by
hand, each hop checked again; timeouts and a response size cap bound the cost
of a slow or hostile receiver.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

from ..rules import ssrf

Resolver = Callable[[str, int], list[str]]

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another host.
PRIVATE_HEADERS = ("authorization", "cookie", "proxy-authorization")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryFailed(f"{host} cannot be resolved: {exc}") from exc
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        text = str(sockaddr[0])
        if text not in seen:
            seen.append(text)
    return seen


@dataclass(frozen=True)
class Policy:
    """Limits of one outbound call."""

    allow: ssrf.AllowList = ssrf.NOTHING_ALLOWED
    require_https: bool = True
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_redirects: int = 3
    max_response_bytes: int = 64 * 1024
    user_agent: str = "crm-notifications/1.0"


@dataclass(frozen=True)
class Answer:
    """What the receiver said (the body cut at the policy's cap)."""

    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool
    url: str  # the URL that answered, after redirects
    elapsed_ms: int
    hops: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    def text(self, limit: int = 2000) -> str:
        """The body as text for a delivery log, shortened."""
        return self.body[:limit].decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        import json

        try:
            return json.loads(self.body)
        except ValueError:
            return None


class DeliveryRefused(Exception):
    """The policy refused the URL or an address it leads to; retrying will not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(Exception):
    """The call could not complete (DNS, connect, timeout, too many redirects); may be retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _PinnedAdapter(HTTPAdapter):
    """Connects to one checked address whatever the URL's host resolves to now."""

    def __init__(self, target: ssrf.Target, address: ssrf.IPAddress) -> None:
        super().__init__(max_retries=0, pool_connections=1, pool_maxsize=1)
        self._target = target
        self._address = str(address)
        self._pool: HTTPConnectionPool | None = None

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: Any,
        proxies: Any = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        """A pool for the pinned address; TLS keeps the host name for SNI and the certificate."""
        if self._pool is not None:
            return self._pool
        if self._target.scheme == "https":
            ca_certs = verify if isinstance(verify, str) else requests.utils.DEFAULT_CA_BUNDLE_PATH
            self._pool = HTTPSConnectionPool(
                self._address,
                self._target.port,
                maxsize=1,
                retries=False,
                cert_reqs="CERT_REQUIRED" if verify is not False else "CERT_NONE",
                ca_certs=ca_certs,
                server_hostname=self._target.host,
                assert_hostname=self._target.host if verify is not False else False,
            )
        else:
            self._pool = HTTPConnectionPool(
                self._address, self._target.port, maxsize=1, retries=False
            )
        return self._pool

    def close(self) -> None:
        """Close the pinned pool too."""
        if self._pool is not None:
            self._pool.close()
        super().close()


def resolve_checked(
    target: ssrf.Target, policy: Policy, resolver: Resolver = system_resolver
) -> ssrf.IPAddress:
    """The address to connect to for ``target``, after checking every DNS answer."""
    if target.address is not None:
        return target.address
    try:
        answers = resolver(target.host, target.port)
        return ssrf.check_resolved(target, answers, policy.allow)[0]
    except ssrf.Refused as exc:
        raise DeliveryRefused(exc.reason) from exc


def send(
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    policy: Policy = Policy(),
    resolver: Resolver = system_resolver,
) -> Answer:
    """Call ``url`` under ``policy``; return the receiver's answer (any status).

    Raises ``DeliveryRefused`` when the URL or any hop is not allowed and
    ``DeliveryFailed`` when the call cannot complete.
    """
    started = time.monotonic()
    current_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
    current_headers.setdefault("User-Agent", policy.user_agent)
    hops: list[str] = []
    current_url, current_method, current_body = url, method.upper(), body
    previous_host: str | None = None
    for _hop in range(policy.max_redirects + 1):
        try:
            target = ssrf.parse_url(
                current_url, require_https=policy.require_https, allow=policy.allow
            )
        except ssrf.Refused as exc:
            prefix = "a redirect leads to a refused URL: " if hops else ""
            raise DeliveryRefused(prefix + exc.reason) from exc
        if previous_host is not None and previous_host != target.host:
            current_headers = {
                k: v for k, v in current_headers.items() if k.lower() not in PRIVATE_HEADERS
            }
        try:
            address = resolve_checked(target, policy, resolver)
        except DeliveryRefused as exc:
            if hops:
                raise DeliveryRefused(
                    "a redirect leads to a refused address: " + exc.reason
                ) from exc
            raise
        status, answer_headers, data, truncated = _call_once(
            target, address, current_method, current_body, current_headers, policy
        )
        location = answer_headers.get("location")
        if status in REDIRECT_CODES and location:
            hops.append(current_url)
            previous_host = target.host
            current_url = urljoin(current_url, location)
            if status == 303 or (status in (301, 302) and current_method == "POST"):
                # What browsers do; 307/308 keep the method and the body.
                current_method, current_body = "GET", b""
                current_headers = {
                    k: v for k, v in current_headers.items() if k.lower() != "content-type"
                }
            continue
        return Answer(
            status=status,
            headers=answer_headers,
            body=data,
            truncated=truncated,
            url=current_url,
            elapsed_ms=int((time.monotonic() - started) * 1000),
            hops=tuple(hops),
        )
    raise DeliveryFailed(f"more than {policy.max_redirects} redirects")


def _call_once(
    target: ssrf.Target,
    address: ssrf.IPAddress,
    method: str,
    body: bytes,
    headers: Mapping[str, str],
    policy: Policy,
) -> tuple[int, dict[str, str], bytes, bool]:
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment
    adapter = _PinnedAdapter(target, address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    send_headers = dict(headers)
    send_headers["Host"] = target.host_header
    try:
        with session:
            response = session.request(
                method,
                target.url,
                data=body or None,
                headers=send_headers,
                timeout=(policy.connect_timeout, policy.read_timeout),
                allow_redirects=False,
                stream=True,
            )
            try:
                data = _read_capped(response, policy)
            finally:
                response.close()
    except requests.Timeout as exc:
        raise DeliveryFailed(f"{target.host} timed out: {exc.__class__.__name__}") from exc
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{target.host} cannot be reached: {exc}") from exc
    truncated = len(data) > policy.max_response_bytes
    answer_headers = {k.lower(): v for k, v in response.headers.items()}
    return response.status_code, answer_headers, data[: policy.max_response_bytes], truncated


def _read_capped(response: requests.Response, policy: Policy) -> bytes:
    """Up to one byte over the cap, so the caller knows the body was cut."""
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + policy.read_timeout
    for chunk in response.iter_content(chunk_size=8192):
        chunks.append(chunk)
        size += len(chunk)
        if size > policy.max_response_bytes:
            break
        if time.monotonic() > deadline:
            # A receiver trickling bytes keeps each read under the timeout.
            raise DeliveryFailed("the receiver took too long to answer")
    return b"".join(chunks)
